#include "infra/postgres/category_repository.hpp"

namespace auction::postgres {

namespace {

domain::Category CategoryFromRow(const PgResult& rows, int r) {
    return domain::Category{rows.String(r, 0), rows.String(r, 1), rows.String(r, 2), rows.OptString(r, 3),
                            std::nullopt};
}

}  // namespace

boost::asio::awaitable<std::vector<domain::Category>> PgCategoryRepository::List() {
    // Named before co_await: GCC 12 mishandles lambda temporaries inside co_await expressions.
    auto work = [](PgConnection& conn) {
        // Roots first, then children by name: a client can build the tree in one pass.
        auto rows = conn.ExecPrepared("category_list",
                                      "SELECT id::text, name, slug, parent_id::text FROM categories "
                                      "ORDER BY parent_id NULLS FIRST, name, id",
                                      {});
        std::vector<domain::Category> out;
        out.reserve(static_cast<std::size_t>(rows.Rows()));
        for (int r = 0; r < rows.Rows(); ++r) {
            out.push_back(CategoryFromRow(rows, r));
        }
        return out;
    };
    co_return co_await db_.Run(std::move(work));
}

boost::asio::awaitable<std::optional<domain::Category>> PgCategoryRepository::Get(std::string id) {
    // Named before co_await: GCC 12 mishandles lambda temporaries inside co_await expressions.
    auto work = [id = std::move(id)](PgConnection& conn) -> std::optional<domain::Category> {
        auto rows = conn.ExecPrepared("category_get_with_children",
                                      "SELECT id::text, name, slug, parent_id::text, id = $1::uuid AS self "
                                      "FROM categories WHERE id = $1::uuid OR parent_id = $1::uuid "
                                      "ORDER BY (id = $1::uuid) DESC, name, id",
                                      {id});
        if (rows.Rows() == 0 || !rows.Bool(0, 4)) {
            return std::nullopt;
        }
        auto category = CategoryFromRow(rows, 0);
        category.children.emplace();
        for (int r = 1; r < rows.Rows(); ++r) {
            category.children->push_back(CategoryFromRow(rows, r));
        }
        return category;
    };
    co_return co_await db_.Run(std::move(work));
}

}  // namespace auction::postgres
