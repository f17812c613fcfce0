#include "infra/postgres/category_repository.hpp"

namespace auction::postgres {

namespace {

domain::Category CategoryFromRow(const PgResult& rows, int r) {
    return domain::Category{rows.String(r, 0), rows.String(r, 1), rows.String(r, 2), rows.OptString(r, 3),
                            std::nullopt};
}

// Roots first, then children by name: a client can build the tree in one pass.
constexpr const char* kListSql =
    "SELECT id::text, name, slug, parent_id::text FROM categories ORDER BY parent_id NULLS FIRST, name, id";
constexpr const char* kGetSql =
    "SELECT id::text, name, slug, parent_id::text, id = $1::uuid AS self FROM categories "
    "WHERE id = $1::uuid OR parent_id = $1::uuid ORDER BY (id = $1::uuid) DESC, name, id";

std::vector<domain::Category> ListFromRows(const PgResult& rows) {
    std::vector<domain::Category> out;
    out.reserve(static_cast<std::size_t>(rows.Rows()));
    for (int r = 0; r < rows.Rows(); ++r) {
        out.push_back(CategoryFromRow(rows, r));
    }
    return out;
}

std::optional<domain::Category> CategoryWithChildren(const PgResult& rows) {
    if (rows.Rows() == 0 || !rows.Bool(0, 4)) {
        return std::nullopt;
    }
    auto category = CategoryFromRow(rows, 0);
    category.children.emplace();
    for (int r = 1; r < rows.Rows(); ++r) {
        category.children->push_back(CategoryFromRow(rows, r));
    }
    return category;
}

}  // namespace

boost::asio::awaitable<std::vector<domain::Category>> PgCategoryRepository::List() {
    auto decode = [](const PgResult& rows) { return ListFromRows(rows); };
    std::string sql = kListSql;
    Params params;
    co_return co_await reads_.Query("category_list", std::move(sql), std::move(params), std::move(decode));
}

boost::asio::awaitable<std::optional<domain::Category>> PgCategoryRepository::Get(std::string id) {
    auto decode = [](const PgResult& rows) { return CategoryWithChildren(rows); };
    std::string sql = kGetSql;
    Params params{std::move(id)};
    co_return co_await reads_.Query("category_get_with_children", std::move(sql), std::move(params), std::move(decode));
}

}  // namespace auction::postgres
