#include "kohort/core/result.h"

#include <gtest/gtest.h>

namespace kohort {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("--n", "0 is below the minimum 1", "pass --n 1 or more");
  return v;
}

Status chain(int v) {
  KOHORT_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return x > 10 ? Status::invalid_input("f.csv:3:2", "too big") : Status{};
}

TEST(Status, MessageHasWhereWhatAndHint) {
  const Status s = Status::invalid_input("orders.csv:1043:7", "amount 'abc' is not a number",
                                         "fix the value");
  EXPECT_EQ(s.message(),
            "orders.csv:1043:7: error: amount 'abc' is not a number\nhint: fix the value");
  EXPECT_EQ(code_name(s.code()), "invalid_input");
  EXPECT_NE(s.json().find("\"where\":\"orders.csv:1043:7\""), std::string::npos);
}

TEST(Result, PropagatesStatusThroughMacros) {
  EXPECT_TRUE(chain(3).ok());
  EXPECT_EQ(chain(0).code(), Code::invalid_argument);
  EXPECT_EQ(chain(0).where(), "--n");
  EXPECT_EQ(chain(11).code(), Code::invalid_input);
}

}  // namespace
}  // namespace kohort
