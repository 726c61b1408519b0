// Builds the report page into ONE self-contained file, dist/index.html: scripts, styles and
// fonts inlined, no request leaves the page. The C++ side (src/kohort/report/) embeds that file
// and replaces the single __KOHORT_REPORT_DATA__ placeholder with the report JSON.
import { defineConfig } from "vite";
import { viteSingleFile } from "vite-plugin-singlefile";

export default defineConfig({
  base: "./",
  plugins: [viteSingleFile({ removeViteModuleLoader: true })],
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 100_000_000,
    cssCodeSplit: false,
    reportCompressedSize: false,
    modulePreload: false,
  },
});
