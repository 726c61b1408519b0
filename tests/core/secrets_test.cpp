// Passwords never reach a message, however the connection string is written.
#include "kohort/core/secrets.h"

#include <string>

#include <gtest/gtest.h>

namespace kohort {
namespace {

TEST(RedactUrl, HidesThePasswordOfWellFormedUrls) {
  EXPECT_EQ(redact_url("postgresql://kohort:S3cretPW@db.example:5432/segments"),
            "postgresql://kohort:***@db.example:5432/segments");
  EXPECT_EQ(redact_url("postgres://kohort@db/segments?password=S3cretPW&sslmode=require"),
            "postgres://kohort@db/segments?password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgresql:///db?host=/tmp/sock&port=5"), "postgresql:///db?host=/tmp/sock&port=5");
  EXPECT_EQ(redact_url("host=db user=kohort password=S3cretPW dbname=x"), "host=db user=kohort password=*** dbname=x");
  EXPECT_EQ(redact_url("host=db password = 'S3c ret' dbname=x"), "host=db password = *** dbname=x");
  EXPECT_EQ(redact_url("/var/lib/kohort/store.db"), "/var/lib/kohort/store.db");
}

TEST(RedactUrl, HidesThePasswordOfMalformedUrlsToo) {
  // An unencoded '/', '@' or '?' in the password, an unclosed IPv6 bracket, an upper-case scheme.
  for (const char* url : {"postgresql://kohort:S3c/retPW@db/segments", "postgresql://kohort:S3c@retPW@db/segments",
                          "postgresql://kohort:S3c?retPW@db/segments", "postgresql://kohort:S3cretPW@[::1/segments",
                          "POSTGRESQL://kohort:S3cretPW@db/segments", "postgresql://kohort:S3cr%zzPW@db/segments"}) {
    const std::string shown = redact_url(url);
    EXPECT_EQ(shown.find("S3c"), std::string::npos) << url << " → " << shown;
    EXPECT_EQ(shown.find("PW"), std::string::npos) << url << " → " << shown;
  }
}

TEST(ScrubSecrets, RemovesThePasswordAsWrittenAndDecodedFromDriverMessages) {
  const std::string url = "postgresql://kohort:S3cr%7EtPW@db/segments";
  EXPECT_EQ(scrub_secrets("invalid percent-encoded token: \"S3cr%7EtPW\"", url), "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(scrub_secrets("password \"S3cr~tPW\" refused", url), "password \"***\" refused");
  EXPECT_EQ(scrub_secrets("missing \"=\" after \"postgresql://kohort:S3cr%7EtPW@db/segments\"", url),
            "missing \"=\" after \"postgresql://kohort:***@db/segments\"");
}

TEST(UrlUserinfo, ReservedCharactersInThePasswordAreNamedWithoutThePassword) {
  EXPECT_EQ(url_userinfo_problem("postgresql://kohort:S3cretPW@db/segments"), "");
  EXPECT_EQ(url_userinfo_problem("postgresql:///db?host=/tmp"), "");
  EXPECT_EQ(url_userinfo_problem("postgresql://kohort:S3c/retPW@db/x"),
            "the user name or password holds an unencoded '/'; write it as %2F");
  EXPECT_EQ(url_userinfo_problem("postgresql://kohort:S3c@retPW@db/x"),
            "the user name or password holds an unencoded '@'; write it as %40");
  EXPECT_EQ(lower_url_scheme("POSTGRESQL://Kohort:PW@Db/x"), "postgresql://Kohort:PW@Db/x");
}

}  // namespace
}  // namespace kohort
