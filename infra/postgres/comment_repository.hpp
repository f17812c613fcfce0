#pragma once

#include "infra/postgres/db_executor.hpp"
#include "ports/repositories.hpp"

namespace auction::postgres {

class PgCommentRepository final : public ports::CommentRepository {
public:
    explicit PgCommentRepository(DbExecutor& db) : db_(db) {}

    boost::asio::awaitable<std::optional<ports::CommentPage>> List(std::string item_id,
                                                                   ports::ListPaging paging) override;
    boost::asio::awaitable<std::optional<domain::ItemComment>> Create(
        domain::ItemComment comment, events::EventMeta meta,
        ports::Idempotent<domain::ItemComment> idempotency = {}) override;
    boost::asio::awaitable<ports::ChildDeleteResult> Delete(
        std::string item_id, std::string comment_id,
        std::function<void(const domain::Item&, const domain::ItemComment&)> check, events::EventMeta meta) override;

private:
    DbExecutor& db_;
};

}  // namespace auction::postgres
