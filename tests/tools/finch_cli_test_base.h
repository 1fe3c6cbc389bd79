// A test fixture base that runs the finch binary of this build (`finch ARGS`) in a scratch
// folder and keeps its stdout, stderr and exit status; skips when the binary has not been built.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/runtime/image_test_util.h"

namespace finch::testing {

class FinchCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    finch_ = std::string(FINCH_BINARY_DIR) + "/finch";
    struct stat st;
    if (stat(finch_.c_str(), &st) != 0) GTEST_SKIP() << finch_ << " not built";
  }
  // Runs `finch ARGS`; stdout into out_, stderr into err_; the exit status.
  int Finch(const std::string& args) {
    const std::string out = dir_.path() + "/out.txt", err = dir_.path() + "/err.txt";
    const std::string cmd = "'" + finch_ + "' " + args + " >'" + out + "' 2>'" + err + "'";
    const int rc = std::system(cmd.c_str());
    out_ = Slurp(out);
    err_ = Slurp(err);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
  }

  ScratchDir dir_;
  std::string finch_, out_, err_;
};

}  // namespace finch::testing
