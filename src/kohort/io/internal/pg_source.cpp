#include "kohort/io/internal/pg_source.h"

#include <algorithm>

#include <fmt/format.h>

#include "kohort/core/secrets.h"

#if KOHORT_WITH_POSTGRES
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string_view>
#endif

namespace kohort::io::internal {

#if KOHORT_WITH_POSTGRES

namespace {

using Conn = std::shared_ptr<PGconn>;

void ignore_notice(void*, const char*) {}

std::string server_message(PGconn* conn) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// The server's primary message for a failed statement ("relation "x" does not exist"), with
// the position in the user's query where the server gives one (`offset` characters of our own
// COPY wrapper before it).
std::string statement_error(PGconn* conn, const PGresult* res, bool own_query, std::size_t offset) {
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary == nullptr) return server_message(conn);
  std::string m = primary;
  const char* pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
  if (own_query && pos != nullptr) {
    const long at = std::strtol(pos, nullptr, 10) - static_cast<long>(offset);
    if (at > 0) m += fmt::format(" (at character {} of the query)", at);
  }
  return m;
}

// "public.orders" → "public"."orders", each part quoted as an identifier.
std::string quote_table(std::string_view table) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = table.find('.', start);
    const std::string_view part = table.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!out.empty()) out.push_back('.');
    out.push_back('"');
    for (char c : part) {
      out.push_back(c);
      if (c == '"') out.push_back('"');
    }
    out.push_back('"');
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

// The query without trailing blanks and semicolons (COPY takes one bare statement).
std::string bare_query(std::string q) {
  while (!q.empty() && (q.back() == ';' || q.back() == ' ' || q.back() == '\n' || q.back() == '\t' ||
                        q.back() == '\r'))
    q.pop_back();
  return q;
}

}  // namespace

bool postgres_available() { return true; }

Status open_postgres_copy(const std::string& conninfo, const std::string& table,
                          const std::string& query, const std::string& where,
                          StreamReader& reader) {
  // connect_timeout first: a value in conninfo, expanded after it, overrides it. libpq reads a
  // URL only with a lower-case scheme, and what it says is scrubbed of the secrets in it.
  const std::string url = lower_url_scheme(conninfo);
  if (const std::string problem = url_userinfo_problem(url); !problem.empty())
    return Status::invalid_argument(where, "malformed PostgreSQL URL: " + problem,
                                    "percent-encode reserved characters in the user name and password in "
                                    "kohort.toml (or put the password in PGPASSWORD or ~/.pgpass)");
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", url.c_str(), nullptr};
  Conn conn(PQconnectdbParams(keys, values, 1), PQfinish);
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::io_error(where,
                            fmt::format("cannot connect to PostgreSQL: {}",
                                        conn ? scrub_secrets(scrub_secrets(server_message(conn.get()), url), conninfo)
                                             : "out of memory"),
                            "check the postgresql connection string in kohort.toml and that the "
                            "server is running (passwords go in PGPASSWORD or ~/.pgpass)");
  }
  PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
  const std::string select = query.empty() ? "SELECT * FROM " + quote_table(table) : bare_query(query);
  const std::string copy = "COPY (" + select + ") TO STDOUT WITH (FORMAT csv, HEADER true)";
  {
    std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQexec(conn.get(), copy.c_str()), PQclear);
    if (res == nullptr || PQresultStatus(res.get()) != PGRES_COPY_OUT) {
      return Status::invalid_argument(
          where,
          fmt::format("PostgreSQL: {}",
                      statement_error(conn.get(), res.get(), !query.empty(), std::string("COPY (").size())),
          query.empty() ? "check the table name in kohort.toml (schema.table for another schema)"
                        : "check the query in kohort.toml: it must be one SELECT");
    }
  }
  reader.open_pull([conn, where](std::string& out, std::size_t hint, bool& end) -> Status {
    const std::size_t target = out.size() + std::max<std::size_t>(hint, 1);
    while (out.size() < target) {
      char* row = nullptr;
      const int n = PQgetCopyData(conn.get(), &row, 0);
      if (n > 0) {
        out.append(row, static_cast<std::size_t>(n));
        PQfreemem(row);
        continue;
      }
      if (n == -1) {  // the COPY is over: its final result says whether it completed
        std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQgetResult(conn.get()), PQclear);
        if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK)
          return Status::invalid_argument(
              where, fmt::format("PostgreSQL: {}", statement_error(conn.get(), res.get(), false, 0)),
              "check the query in kohort.toml");
        while (PGresult* rest = PQgetResult(conn.get())) PQclear(rest);
        end = true;
        return {};
      }
      return Status::io_error(where,
                              fmt::format("PostgreSQL connection lost while reading: {}",
                                          server_message(conn.get())),
                              "check the server and run again");
    }
    return {};
  });
  return {};
}

#else

bool postgres_available() { return false; }

Status open_postgres_copy(const std::string&, const std::string&, const std::string&,
                          const std::string& where, StreamReader&) {
  return Status::unsupported(where, "this kohort was built without PostgreSQL support",
                               "build with -DKOHORT_WITH_POSTGRES=ON (needs libpq-dev)");
}

#endif

}  // namespace kohort::io::internal
