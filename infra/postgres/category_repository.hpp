#pragma once

#include "app/repository.hpp"
#include "infra/postgres/db_executor.hpp"

namespace auction::postgres {

class PgCategoryRepository final : public app::CategoryRepository {
public:
    explicit PgCategoryRepository(DbExecutor& db) : db_(db) {}

    boost::asio::awaitable<std::vector<domain::Category>> List() override;
    boost::asio::awaitable<std::optional<domain::Category>> Get(std::string id) override;

private:
    DbExecutor& db_;
};

}  // namespace auction::postgres
