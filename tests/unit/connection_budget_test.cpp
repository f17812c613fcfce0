#include "infra/postgres/connection_budget.hpp"

#include <gtest/gtest.h>

namespace auction::postgres {
namespace {

TEST(ConnectionBudget, WhatIsLeftIsMaxConnectionsLessReservedAndOpen) {
    EXPECT_EQ((ConnectionBudget{.max_connections = 100, .reserved = 3, .open = 40}).Left(), 57);
    EXPECT_EQ((ConnectionBudget{.max_connections = 100, .reserved = 3, .open = 120}).Left(), 0);
}

// The design's 3 worker replicas x 15 connections (+ each one's outbox relay) against the postgres image's 100.
TEST(ConnectionBudget, AProcessFitsWhileItsConnectionsAreAtMostWhatIsLeft) {
    const ConnectionNeed worker{.pool = 15, .other = 1};
    EXPECT_FALSE(ExceedsBudget({.max_connections = 100, .reserved = 3, .open = 2 * 16 + 10}, worker));
    EXPECT_FALSE(ExceedsBudget({.max_connections = 100, .reserved = 3, .open = 81}, worker));  // exactly 16 left
    EXPECT_TRUE(ExceedsBudget({.max_connections = 100, .reserved = 3, .open = 82}, worker));
    EXPECT_TRUE(ExceedsBudget({.max_connections = 10, .reserved = 3, .open = 0}, worker));
}

}  // namespace
}  // namespace auction::postgres
