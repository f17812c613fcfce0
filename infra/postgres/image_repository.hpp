#pragma once

#include "infra/postgres/db_executor.hpp"
#include "ports/repositories.hpp"

namespace auction::postgres {

class PgImageRepository final : public ports::ImageRepository {
public:
    explicit PgImageRepository(DbExecutor& db) : db_(db) {}

    boost::asio::awaitable<std::optional<std::vector<domain::ItemImage>>> List(std::string item_id) override;
    boost::asio::awaitable<std::optional<domain::ItemImage>> Create(
        domain::ItemImage image, std::function<void(const domain::Item&)> check, events::EventMeta meta,
        ports::Idempotent<domain::ItemImage> idempotency = {}) override;
    boost::asio::awaitable<ports::ImageDeleteResult> Delete(std::string item_id, std::string image_id,
                                                            std::function<void(const domain::Item&)> check,
                                                            events::EventMeta meta) override;

private:
    DbExecutor& db_;
};

}  // namespace auction::postgres
