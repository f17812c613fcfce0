// libFuzzer target for every JSON request-body decoder: the input is a request body, read by the handlers'
// own ParseJsonBody (app/handler_support.cpp: depth limit, 400 on bad JSON) and then given to each decoder
// the handlers call: DecodeItemDraft (POST items), DecodeItemPatch (PUT items/:id), DecodeCommentDraft
// (POST comments) and DecodeAttributeDrafts (POST attributes). Built and run by scripts/fuzz.sh; seeds in
// tests/fuzz/corpus/json_body/, dictionary json_body.dict.
//
// Checked beyond memory safety: a decoder yields a value exactly when it reports no error; a decoded value
// satisfies the domain rules (lengths, printable text, currency, positive money, endDate after startDate,
// unique lower-case category ids, unique attribute keys); a decoded value written back as JSON (money as
// "d.dd", times in RFC 3339 as the API prints them) decodes to the same value; a patch applies to an item.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/attribute_json.hpp"
#include "app/comment_json.hpp"
#include "app/handlers.hpp"
#include "app/item_json.hpp"
#include "domain/item.hpp"
#include "domain/item_attribute.hpp"
#include "domain/item_comment.hpp"
#include "domain/text.hpp"
#include "pkg/ids/uuid.hpp"
#include "tests/fuzz/fake_services.hpp"

namespace {

namespace json = boost::json;
using auction::domain::FieldErrors;
using auction::fuzz::Check;
namespace domain = auction::domain;
namespace timeutil = auction::timeutil;

bool ValidName(const std::string& name) {
    const auto len = domain::Utf8Length(name);
    return len >= 1 && len <= 200 && !domain::IsBlank(name) && domain::IsPrintableLine(name);
}

bool ValidDescription(const std::string& text) {
    return domain::Utf8Length(text) <= 10000 && domain::IsPrintableText(text);
}

bool ValidCategories(const std::vector<std::string>& ids) {
    if (ids.size() > domain::kMaxCategoriesPerItem) {
        return false;
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!auction::ids::IsUuid(ids[i]) ||
            std::any_of(ids[i].begin(), ids[i].end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            return false;
        }
        if (std::find(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) !=
            ids.begin() + static_cast<std::ptrdiff_t>(i)) {
            return false;
        }
    }
    return true;
}

// Errors name a field of the body (or "" for the body as a whole).
void CheckErrorFields(const json::value& body, const FieldErrors& errors) {
    for (const auto& e : errors) {
        Check(!e.message.empty());
        Check(e.field.empty() || body.is_object());
    }
}

json::array Strings(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& v : values) {
        out.emplace_back(v);
    }
    return out;
}

void CheckDraft(const json::value& body) {
    FieldErrors errors;
    const auto draft = auction::app::DecodeItemDraft(body, errors);
    Check(draft.has_value() == errors.empty());
    CheckErrorFields(body, errors);
    if (!draft) {
        return;
    }
    Check(ValidName(draft->name) && ValidDescription(draft->description));
    Check(domain::IsCurrencyCode(draft->currency_code));
    Check(draft->start_price.cents > 0 && draft->bid_increment.cents > 0);
    Check(draft->end_date > draft->start_date);
    Check(ValidCategories(draft->category_ids));

    // Written back the way the API prints an item, the draft decodes to itself.
    json::object again{{"name", draft->name},
                       {"description", draft->description},
                       {"currencyCode", draft->currency_code},
                       {"startPrice", domain::FormatMoney(draft->start_price)},
                       {"bidIncrement", domain::FormatMoney(draft->bid_increment)},
                       {"startDate", timeutil::FormatRfc3339(draft->start_date)},
                       {"endDate", timeutil::FormatRfc3339(draft->end_date)},
                       {"categoryIds", Strings(draft->category_ids)}};
    FieldErrors again_errors;
    const auto round = auction::app::DecodeItemDraft(again, again_errors);
    Check(round.has_value());
    Check(round->name == draft->name && round->description == draft->description &&
          round->currency_code == draft->currency_code && round->start_price == draft->start_price &&
          round->bid_increment == draft->bid_increment && round->start_date == draft->start_date &&
          round->end_date == draft->end_date && round->category_ids == draft->category_ids);

    const auto item = domain::NewItem(*draft, std::string(auction::fuzz::kItemId), "seller-1");
    Check(item.current_price == item.start_price && item.status == domain::ItemStatus::kActive);
    Check(json::value_from(item).is_object());
}

void CheckPatch(const json::value& body) {
    FieldErrors errors;
    const auto patch = auction::app::DecodeItemPatch(body, errors);
    Check(patch.has_value() == errors.empty());
    CheckErrorFields(body, errors);
    if (!patch) {
        return;
    }
    json::object again;
    if (patch->name) {
        Check(ValidName(*patch->name));
        again["name"] = *patch->name;
    }
    if (patch->description) {
        Check(ValidDescription(*patch->description));
        again["description"] = *patch->description;
    }
    if (patch->currency_code) {
        Check(domain::IsCurrencyCode(*patch->currency_code));
        again["currencyCode"] = *patch->currency_code;
    }
    if (patch->start_price) {
        Check(patch->start_price->cents > 0);
        again["startPrice"] = domain::FormatMoney(*patch->start_price);
    }
    if (patch->bid_increment) {
        Check(patch->bid_increment->cents > 0);
        again["bidIncrement"] = domain::FormatMoney(*patch->bid_increment);
    }
    if (patch->start_date) {
        again["startDate"] = timeutil::FormatRfc3339(*patch->start_date);
    }
    if (patch->end_date) {
        again["endDate"] = timeutil::FormatRfc3339(*patch->end_date);
    }
    if (patch->status) {
        Check(*patch->status == domain::ItemStatus::kActive || *patch->status == domain::ItemStatus::kCancelled);
        again["status"] = domain::ToString(*patch->status);
    }
    if (patch->category_ids) {
        Check(ValidCategories(*patch->category_ids));
        again["categoryIds"] = Strings(*patch->category_ids);
    }
    Check(!again.empty());
    FieldErrors again_errors;
    const auto round = auction::app::DecodeItemPatch(again, again_errors);
    Check(round.has_value());
    Check(round->name == patch->name && round->description == patch->description &&
          round->currency_code == patch->currency_code && round->start_price == patch->start_price &&
          round->bid_increment == patch->bid_increment && round->start_date == patch->start_date &&
          round->end_date == patch->end_date && round->status == patch->status &&
          round->category_ids == patch->category_ids);

    // Applying it either keeps endDate after startDate or reports exactly that.
    auto item = auction::fuzz::FixtureItem();
    FieldErrors apply_errors;
    const bool applied = domain::ApplyPatch(item, *patch, apply_errors);
    Check(applied == apply_errors.empty());
    Check(applied == (item.end_date > item.start_date));
}

void CheckComment(const json::value& body) {
    FieldErrors errors;
    const auto draft = auction::app::DecodeCommentDraft(body, errors);
    Check(draft.has_value() == errors.empty());
    CheckErrorFields(body, errors);
    if (!draft) {
        return;
    }
    const auto len = domain::Utf8Length(draft->content);
    Check(len >= 1 && len <= domain::kMaxCommentLength);
    Check(!domain::IsBlank(draft->content) && domain::IsPrintableText(draft->content));
    FieldErrors again_errors;
    const auto round = auction::app::DecodeCommentDraft(json::object{{"content", draft->content}}, again_errors);
    Check(round && round->content == draft->content);
}

void CheckAttributes(const json::value& body) {
    FieldErrors errors;
    const auto drafts = auction::app::DecodeAttributeDrafts(body, errors);
    Check(drafts.has_value() == errors.empty());
    CheckErrorFields(body, errors);
    if (!drafts) {
        return;
    }
    Check(!drafts->empty() && drafts->size() <= domain::kMaxAttributesPerRequest);
    json::array entries;
    for (std::size_t i = 0; i < drafts->size(); ++i) {
        const auto& d = (*drafts)[i];
        const auto key_len = domain::Utf8Length(d.key);
        const auto value_len = domain::Utf8Length(d.value);
        Check(key_len >= 1 && key_len <= domain::kMaxAttributeKeyLength);
        Check(domain::IsPrintableLine(d.key) && !domain::HasEdgeWhitespace(d.key));
        Check(value_len >= 1 && value_len <= domain::kMaxAttributeValueLength && domain::IsPrintableText(d.value));
        for (std::size_t j = 0; j < i; ++j) {
            Check((*drafts)[j].key != d.key);
        }
        entries.push_back(json::object{{"key", d.key}, {"value", d.value}});
    }
    FieldErrors again_errors;
    const auto round = auction::app::DecodeAttributeDrafts(json::object{{"attributes", entries}}, again_errors);
    Check(round && round->size() == drafts->size());
    for (std::size_t i = 0; i < drafts->size(); ++i) {
        Check((*round)[i].key == (*drafts)[i].key && (*round)[i].value == (*drafts)[i].value);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The request as a handler sees it: ParseJsonBody is the handlers' own JSON reader.
    auction::middleware::RequestContext ctx;
    ctx.request.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
    ctx.request.body().assign(reinterpret_cast<const char*>(data), size);
    json::value body;
    try {
        body = auction::app::ParseJsonBody(ctx);
    } catch (const auction::errors::Error& e) {
        Check(e.kind() == auction::errors::Kind::kInvalid);
        return 0;
    }
    CheckDraft(body);
    CheckPatch(body);
    CheckComment(body);
    CheckAttributes(body);
    return 0;
}
