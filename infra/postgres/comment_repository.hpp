#pragma once

#include "app/repository.hpp"
#include "infra/postgres/db_executor.hpp"

namespace auction::postgres {

class PgCommentRepository final : public app::CommentRepository {
public:
    explicit PgCommentRepository(DbExecutor& db) : db_(db) {}

    boost::asio::awaitable<std::optional<app::CommentPage>> List(std::string item_id, int page, int limit) override;
    boost::asio::awaitable<std::optional<domain::ItemComment>> Create(domain::ItemComment comment,
                                                                      events::EventMeta meta) override;
    boost::asio::awaitable<app::ChildDeleteResult> Delete(
        std::string item_id, std::string comment_id,
        std::function<void(const domain::Item&, const domain::ItemComment&)> check, events::EventMeta meta) override;

private:
    DbExecutor& db_;
};

}  // namespace auction::postgres
