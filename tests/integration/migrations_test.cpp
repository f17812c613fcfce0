// Migrations apply in order, exactly once, even when several processes start at the same moment.
#include <gtest/gtest.h>

#include <thread>

#include "infra/postgres/migrator.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

TEST(Migrations, ConcurrentStartsApplyEachMigrationOnce) {
    const auto base = TestApiConfig().postgres;
    const std::string db = "auction_migrate_" + ids::NewUuidV4().substr(0, 8);
    auto admin = postgres::PgConnection::Connect(base.ConnInfo("test-admin"), std::chrono::seconds(30));
    admin->Exec("CREATE DATABASE " + db);  // name built from hex digits only
    auto cfg = base;
    cfg.database = db;

    const auto& migrations = postgres::EmbeddedMigrations();
    ASSERT_GE(migrations.size(), 6U);
    EXPECT_EQ(migrations.front().version, "001_create_items.sql");
    std::vector<std::vector<std::string>> applied(4);
    std::vector<std::thread> starters;
    for (std::size_t i = 0; i < applied.size(); ++i) {
        starters.emplace_back([&, i] {
            auto conn = postgres::PgConnection::Connect(cfg.ConnInfo("test-migrate"), std::chrono::seconds(30));
            applied[i] = postgres::ApplyMigrations(*conn, migrations);
        });
    }
    for (auto& t : starters) {
        t.join();
    }
    std::size_t total = 0;
    for (const auto& a : applied) {
        total += a.size();
        if (!a.empty()) {
            EXPECT_EQ(a.size(), migrations.size()) << "one starter applies all, in one transaction";
        }
    }
    EXPECT_EQ(total, migrations.size());

    auto conn = postgres::PgConnection::Connect(cfg.ConnInfo("test-check"), std::chrono::seconds(30));
    EXPECT_TRUE(postgres::MigrationsApplied(*conn, migrations));
    auto rows = conn->Exec("SELECT version FROM schema_migrations ORDER BY applied_at, version");
    ASSERT_EQ(rows.Rows(), static_cast<int>(migrations.size()));
    for (int i = 0; i < rows.Rows(); ++i) {
        EXPECT_EQ(rows.String(i, 0), migrations[static_cast<std::size_t>(i)].version);
    }
    for (const char* table : {"items", "categories", "item_categories", "item_attributes", "item_comments",
                              "item_images", "outbox_events"}) {
        EXPECT_TRUE(conn->ExecParams("SELECT to_regclass($1) IS NOT NULL", {std::string(table)}).Bool(0, 0)) << table;
    }
    // Cascades from items, and the updated_at trigger.
    conn->Exec(
        "INSERT INTO items (id, name, seller_id, currency_code, start_price, current_price, bid_increment, "
        "start_date, end_date) VALUES ('0190b6a0-0000-7000-8000-000000000001', 'x', 's', 'USD', 1, 1, 1, "
        "'2024-01-01Z', '2024-01-02Z')");
    conn->Exec(
        "INSERT INTO item_comments (id, item_id, author_id, content) VALUES "
        "('0190b6a0-0000-7000-8000-000000000002', '0190b6a0-0000-7000-8000-000000000001', 'a', 'hi')");
    conn->Exec("UPDATE items SET created_at = now() - interval '1 day', updated_at = now() - interval '1 day'");
    conn->Exec("UPDATE items SET name = 'y'");
    EXPECT_TRUE(conn->Exec("SELECT updated_at > created_at + interval '1 hour' FROM items").Bool(0, 0));
    conn->Exec("DELETE FROM items");
    EXPECT_EQ(conn->Exec("SELECT count(*) FROM item_comments").Int64(0, 0), 0);
    // A second start applies nothing.
    EXPECT_TRUE(postgres::ApplyMigrations(*conn, migrations).empty());
    conn.reset();
    admin->Exec("DROP DATABASE " + db);
}

}  // namespace
}  // namespace auction::testing
