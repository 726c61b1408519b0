# Every dependency is a Debian package installed by scripts/setup.
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)  # libtomlplusplus-dev: kohort.toml dataset mappings
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)  # libsqlite3-dev: SQLite sources
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(Boost 1.74 REQUIRED)  # header-only: Boost.Math distributions
find_package(NLopt REQUIRED)  # libnlopt-dev: maximum likelihood of the CLV models
find_package(OpenSSL REQUIRED COMPONENTS Crypto)  # libssl-dev (comes with libpq-dev): SHA-256 fingerprints
find_package(CURL REQUIRED)  # libcurl4-openssl-dev: webhooks (kohort assign --webhook, kohort redeliver)

# The PostgreSQL backend of the segment store. Off: postgresql:// stores fail with `unsupported`.
option(KOHORT_WITH_POSTGRES "build the PostgreSQL store backend (libpq)" ON)
if(KOHORT_WITH_POSTGRES)
  pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)  # libpq-dev
endif()

# The OpenMP build of OpenBLAS: the pthread build oversubscribes when called near OpenMP regions.
find_library(KOHORT_OPENBLAS NAMES openblas
  PATHS /usr/lib/x86_64-linux-gnu/openblas-openmp /usr/lib/aarch64-linux-gnu/openblas-openmp
  NO_DEFAULT_PATH)
if(NOT KOHORT_OPENBLAS)
  find_library(KOHORT_OPENBLAS NAMES openblas REQUIRED)
endif()
find_path(KOHORT_CBLAS_INCLUDE cblas.h
  PATHS /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/aarch64-linux-gnu/openblas-openmp
  NO_DEFAULT_PATH)
if(NOT KOHORT_CBLAS_INCLUDE)
  find_path(KOHORT_CBLAS_INCLUDE cblas.h REQUIRED)
endif()
add_library(kohort_blas INTERFACE)
target_link_libraries(kohort_blas INTERFACE ${KOHORT_OPENBLAS})
target_include_directories(kohort_blas SYSTEM INTERFACE ${KOHORT_CBLAS_INCLUDE})
add_library(kohort::blas ALIAS kohort_blas)

find_path(KOHORT_FAST_FLOAT_INCLUDE fast_float/fast_float.h REQUIRED)
add_library(kohort_fast_float INTERFACE)
target_include_directories(kohort_fast_float SYSTEM INTERFACE ${KOHORT_FAST_FLOAT_INCLUDE})
add_library(kohort::fast_float ALIAS kohort_fast_float)

if(KOHORT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
