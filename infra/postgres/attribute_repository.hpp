#pragma once

#include "infra/postgres/db_executor.hpp"
#include "ports/repositories.hpp"

namespace auction::postgres {

class PgAttributeRepository final : public ports::AttributeRepository {
public:
    explicit PgAttributeRepository(DbExecutor& db) : db_(db) {}

    boost::asio::awaitable<std::optional<std::vector<domain::ItemAttribute>>> List(std::string item_id) override;
    boost::asio::awaitable<std::optional<domain::ItemAttribute>> Get(std::string item_id,
                                                                     std::string attribute_id) override;
    boost::asio::awaitable<std::optional<std::vector<domain::ItemAttribute>>> Create(
        std::string item_id, std::vector<domain::ItemAttribute> attributes,
        std::function<void(const domain::Item&, const std::vector<std::string>&)> check, events::EventMeta meta,
        ports::Idempotent<std::vector<domain::ItemAttribute>> idempotency = {}) override;
    boost::asio::awaitable<ports::ChildDeleteResult> Delete(
        std::string item_id, std::string attribute_id,
        std::function<void(const domain::Item&, const domain::ItemAttribute&)> check, events::EventMeta meta) override;

private:
    DbExecutor& db_;
};

}  // namespace auction::postgres
