#pragma once

#include "infra/postgres/pipeline.hpp"
#include "ports/repositories.hpp"

namespace auction::postgres {

class PgCategoryRepository final : public ports::CategoryRepository {
public:
    /// Reads go through `reads`: pipelined, on the I/O threads.
    explicit PgCategoryRepository(PgPipeline& reads) : reads_(reads) {}

    boost::asio::awaitable<std::vector<domain::Category>> List() override;
    boost::asio::awaitable<std::optional<domain::Category>> Get(std::string id) override;

private:
    PgPipeline& reads_;
};

}  // namespace auction::postgres
