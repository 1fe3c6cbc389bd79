#include "graph/status.h"

#include <gtest/gtest.h>

namespace finch {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd value ", x);
  return x / 2;
}

Status UseHalf(int x, int* out) {
  FINCH_ASSIGN_OR_RETURN(*out, Half(x));
  return Status::Ok();
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = InvalidArgument("Conv \"c1\": weight has rank ", 3, ", expected 4");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "Invalid argument: Conv \"c1\": weight has rank 3, expected 4");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Status, AssignOrReturnPropagates) {
  int v = 0;
  EXPECT_TRUE(UseHalf(8, &v).ok());
  EXPECT_EQ(v, 4);
  Status s = UseHalf(7, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd value 7");
}

}  // namespace
}  // namespace finch
