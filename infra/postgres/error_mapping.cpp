#include "infra/postgres/error_mapping.hpp"

namespace auction::postgres {

namespace {

using errors::Error;
using errors::Kind;

// Constraint names PostgreSQL derives for our tables, mapped to the JSON field a client sent.
std::string FieldOfConstraint(const std::string& constraint) {
    if (constraint.find("category_id") != std::string::npos) {
        return "categoryIds";
    }
    // UNIQUE (item_id, key) in 004_create_item_attributes.sql: a key already on the item.
    if (constraint == "item_attributes_item_id_key_key") {
        return "attributes";
    }
    return "";
}

}  // namespace

Error MapPgError(const PgError& e) {
    const auto& s = e.sqlstate();
    if (e.connection_lost() || s.rfind("08", 0) == 0 || s == "57P01" || s == "53300") {
        return Error(Kind::kUnavailable, "the database is unavailable, retry later");
    }
    if (s == "23505") {
        const auto field = FieldOfConstraint(e.constraint());
        std::vector<errors::FieldError> errors;
        if (!field.empty()) {
            errors.push_back({field, "must be unique"});
        }
        return Error(Kind::kConflict, "the resource already exists or conflicts with an existing one",
                     std::move(errors));
    }
    if (s == "23503") {
        const auto field = FieldOfConstraint(e.constraint());
        std::vector<errors::FieldError> errors;
        if (!field.empty()) {
            errors.push_back(
                {field, field == "categoryIds" ? "references an unknown category" : "references an unknown resource"});
        }
        return Error(Kind::kInvalid, "a referenced resource does not exist", std::move(errors));
    }
    if (s == "23514" || s == "22P02" || s == "22003" || s == "22007" || s == "22008" || s == "22001") {
        return Error(Kind::kInvalid, "a value is out of range or malformed");
    }
    if (s == "57014" || s == "40001" || s == "40P01" || s == "55P03") {
        return Error(Kind::kUnavailable, "the database is busy, retry later");
    }
    return Error(Kind::kInternal, "internal error");
}

}  // namespace auction::postgres
