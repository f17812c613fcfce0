// The item image endpoints against the real PostgreSQL, RabbitMQ and the local S3 server (s3rver):
// every answer in the design's error table, the storage layout, the events, and the rollbacks.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/item_image.hpp"
#include "pkg/ids/uuid.hpp"
#include "support/image_support.hpp"
#include "support/test_env.hpp"

namespace auction::testing {
namespace {

namespace json = boost::json;
using rabbitmq::Delivery;

json::object Body(const Delivery& d) {
    return json::parse(d.body).as_object();
}

void ExpectProblem(const HttpResult& res, int status) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(res.Header("content-type"), "application/problem+json") << res.body;
}

class ImagesApi : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = std::make_unique<HttpClient>(ApiServer::Shared().port());
        tap_ = std::make_unique<EventTap>("auction.item", "item.image.#");
        seller_ = UniqueUser("seller");
        item_id_ = CreateItem(seller_);
    }

    std::string CreateItem(const std::string& seller) {
        auto res = client_->PostJson("/api/v1/items", SampleItem(), seller);
        EXPECT_EQ(res.status, 201) << res.body;
        return std::string(res.Json().at("id").as_string());
    }

    std::string ImagesPath(const std::string& item_id) const { return "/api/v1/items/" + item_id + "/images"; }

    json::array ListImages(const std::string& item_id) {
        auto res = client_->Get(ImagesPath(item_id));
        EXPECT_EQ(res.status, 200) << res.body;
        return res.Json().at("images").as_array();
    }

    // The next image event for `item_id`, skipping others.
    std::optional<Delivery> NextEventOf(const std::string& item_id, const std::string& routing_key) {
        return tap_->Next([&](const Delivery& d) {
            return d.routing_key == routing_key && Body(d).at("payload").at("itemId").as_string() == item_id;
        });
    }

    // Proves that no event was published for `item_id` before now: a later committed upload's event
    // is the first one of the item to arrive (the relay publishes in commit order).
    void ExpectNoEarlierEvent(const std::string& item_id) {
        const auto marker = UploadImage(*client_, item_id, seller_, PngBytes());
        ASSERT_EQ(marker.status, 201) << marker.body;
        const auto marker_id = marker.Json().at("id").as_string();
        auto d =
            tap_->Next([&](const Delivery& m) { return Body(m).at("payload").at("itemId").as_string() == item_id; });
        ASSERT_TRUE(d.has_value());
        EXPECT_EQ(Body(*d).at("payload").at("id").as_string(), marker_id) << "an event of a failed write went out";
    }

    std::unique_ptr<HttpClient> client_;
    std::unique_ptr<EventTap> tap_;
    std::string seller_;
    std::string item_id_;
};

TEST_F(ImagesApi, UploadStoresTheObjectTheRowAndTheEvent) {
    const auto trace = ids::NewUuidV4();
    const auto bytes = PngBytes(4096);
    auto res = UploadImage(*client_, item_id_, seller_, bytes, "photo.png", "image/png", trace);
    ASSERT_EQ(res.status, 201) << res.body;
    const auto image = res.Json().as_object();
    EXPECT_EQ(image.size(), 7U) << res.body;
    const std::string id(image.at("id").as_string());
    EXPECT_TRUE(ids::IsUuid(id));
    EXPECT_EQ(image.at("itemId").as_string(), item_id_);
    const std::string key = "items/" + item_id_ + "/" + id + ".png";
    const auto& aws = TestApiConfig().aws;
    EXPECT_EQ(image.at("imageUrl").as_string(), aws.endpoint + "/" + aws.bucket + "/" + key);
    EXPECT_EQ(image.at("displayOrder").as_int64(), 1);
    EXPECT_EQ(image.at("contentType").as_string(), "image/png");
    EXPECT_EQ(image.at("sizeBytes").as_int64(), 4096);
    EXPECT_TRUE(image.at("createdAt").is_string());
    EXPECT_EQ(res.Header("location"), ImagesPath(item_id_) + "/" + id);

    const auto object = TestS3().HeadObject(key);
    ASSERT_TRUE(object.has_value()) << key;
    EXPECT_EQ(object->size, 4096);
    EXPECT_EQ(object->content_type, "image/png");

    auto d = NextEventOf(item_id_, "item.image.uploaded.v1");
    ASSERT_TRUE(d.has_value()) << "no item.image.uploaded.v1";
    EXPECT_EQ(d->exchange, "auction.item");
    EXPECT_EQ(d->properties.type, "item.image.uploaded.v1");
    const auto body = Body(*d);
    EXPECT_EQ(body.at("event").as_string(), "item.image.uploaded");
    EXPECT_EQ(body.at("version").as_string(), "v1");
    EXPECT_EQ(body.at("traceId").as_string(), trace);
    const auto payload = body.at("payload").as_object();
    EXPECT_EQ(payload.size(), 4U) << d->body;
    EXPECT_EQ(payload.at("id").as_string(), id);
    EXPECT_EQ(payload.at("itemId").as_string(), item_id_);
    EXPECT_EQ(payload.at("imageUrl"), image.at("imageUrl"));
    EXPECT_EQ(payload.at("createdAt"), image.at("createdAt"));

    const auto listed = ListImages(item_id_);
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(listed[0], json::value(image));
}

TEST_F(ImagesApi, ImagesListInDisplayOrderWithTheirOwnFormats) {
    ASSERT_TRUE(ListImages(item_id_).empty());
    std::vector<std::string> ids;
    for (const auto& bytes : {PngBytes(), JpegBytes(), PngBytes(100)}) {
        auto res = UploadImage(*client_, item_id_, seller_, bytes);
        ASSERT_EQ(res.status, 201) << res.body;
        EXPECT_EQ(res.Json().at("displayOrder").as_int64(), static_cast<std::int64_t>(ids.size() + 1));
        ids.emplace_back(res.Json().at("id").as_string());
    }
    const auto listed = ListImages(item_id_);
    ASSERT_EQ(listed.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(listed[i].at("id").as_string(), ids[i]);
        EXPECT_EQ(listed[i].at("displayOrder").as_int64(), static_cast<std::int64_t>(i + 1));
    }
    EXPECT_EQ(listed[1].at("contentType").as_string(), "image/jpeg");
    EXPECT_TRUE(TestS3().HeadObject("items/" + item_id_ + "/" + ids[1] + ".jpg").has_value());
    EXPECT_EQ(ObjectKeysOfItem(item_id_).size(), 3U);
}

TEST_F(ImagesApi, TheFileBytesDecideTheFormatNotItsNameOrType) {
    // A PNG named .jpg and sent as image/jpeg is stored as what it is.
    auto res = UploadImage(*client_, item_id_, seller_, PngBytes(), "holiday.jpg", "image/jpeg");
    ASSERT_EQ(res.status, 201) << res.body;
    const std::string id(res.Json().at("id").as_string());
    EXPECT_EQ(res.Json().at("contentType").as_string(), "image/png");
    const std::string key = "items/" + item_id_ + "/" + id + ".png";
    const std::string url(res.Json().at("imageUrl").as_string());
    EXPECT_TRUE(url.ends_with(key)) << url;
    const auto object = TestS3().HeadObject(key);
    ASSERT_TRUE(object.has_value());
    EXPECT_EQ(object->content_type, "image/png");

    // Text, GIF and SVG claiming to be images are refused.
    for (const auto& bytes : {std::string("just text, not an image"), std::string("GIF89a\x01\x00\x01\x00"),
                              std::string("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")}) {
        ExpectProblem(UploadImage(*client_, item_id_, seller_, bytes, "fake.png", "image/png"), 400);
    }
    EXPECT_EQ(ImageRowCount(item_id_), 1);
    EXPECT_EQ(ObjectKeysOfItem(item_id_).size(), 1U);
}

TEST_F(ImagesApi, FiveMegabytesExactlyIsAcceptedOneByteMoreIsNot) {
    auto exact = UploadImage(*client_, item_id_, seller_, JpegBytes(domain::kMaxImageBytes), "big.jpg", "image/jpeg");
    ASSERT_EQ(exact.status, 201) << exact.body;
    EXPECT_EQ(exact.Json().at("sizeBytes").as_int64(), 5 * 1024 * 1024);
    const std::string key = "items/" + item_id_ + "/" + std::string(exact.Json().at("id").as_string()) + ".jpg";
    ASSERT_TRUE(TestS3().HeadObject(key).has_value());
    EXPECT_EQ(TestS3().HeadObject(key)->size, 5 * 1024 * 1024);

    auto over = UploadImage(*client_, item_id_, seller_, JpegBytes(domain::kMaxImageBytes + 1), "big.jpg");
    ExpectProblem(over, 400);
    EXPECT_NE(over.body.find("5 MB"), std::string::npos) << over.body;
    // Far beyond: refused from the Content-Length, before the body is read, still the design's 400.
    auto huge = UploadImage(*client_, item_id_, seller_, PngBytes(8 * 1024 * 1024));
    ExpectProblem(huge, 400);
    EXPECT_NE(huge.body.find("5 MB"), std::string::npos) << huge.body;
    EXPECT_EQ(ImageRowCount(item_id_), 1);
    EXPECT_EQ(ObjectKeysOfItem(item_id_).size(), 1U);

    // Other routes keep the default limit and its 413.
    auto big_json = client_->Request("POST", "/api/v1/items", std::string(2 * 1024 * 1024, ' '),
                                     {{"Content-Type", "application/json"}, {"X-User-ID", seller_}});
    ExpectProblem(big_json, 413);
}

TEST_F(ImagesApi, UploadErrorsFollowTheDesignsTable) {
    const auto png = PngBytes();
    ExpectProblem(UploadImage(*client_, item_id_, "", png), 401);
    ExpectProblem(UploadImage(*client_, "0190b6a0-0000-7000-8000-000000000000", seller_, png), 404);
    ExpectProblem(UploadImage(*client_, "not-a-uuid", seller_, png), 404);
    ExpectProblem(UploadImage(*client_, item_id_, UniqueUser("other"), png), 403);

    const std::string multipart = std::string("multipart/form-data; boundary=") + kTestBoundary;
    // The field is missing (another field only), or empty, or there twice.
    ExpectProblem(
        PostMultipart(*client_, item_id_, seller_, MultipartBody({{"file", "a.png", "image/png", png}}), multipart),
        400);
    ExpectProblem(PostMultipart(*client_, item_id_, seller_, MultipartBody({}), multipart), 400);
    ExpectProblem(UploadImage(*client_, item_id_, seller_, ""), 400);
    ExpectProblem(
        PostMultipart(*client_, item_id_, seller_,
                      MultipartBody({{"image", "a.png", "image/png", png}, {"image", "b.png", "", png}}), multipart),
        400);
    // Not multipart at all: 415; multipart without a usable boundary, or a broken body: 400.
    ExpectProblem(PostMultipart(*client_, item_id_, seller_, png, "image/png"), 415);
    ExpectProblem(PostMultipart(*client_, item_id_, seller_, "{}", "application/json"), 415);
    ExpectProblem(
        PostMultipart(*client_, item_id_, seller_, MultipartBody({{"image", "a.png", "", png}}), "multipart/form-data"),
        400);
    ExpectProblem(
        PostMultipart(*client_, item_id_, seller_, "--" + std::string(kTestBoundary) + "\r\ngarbage", multipart), 400);
    EXPECT_EQ(ImageRowCount(item_id_), 0);
    EXPECT_TRUE(ObjectKeysOfItem(item_id_).empty());

    // Only while the item is active.
    ASSERT_EQ(client_->PutJson("/api/v1/items/" + item_id_, {{"status", "cancelled"}}, seller_).status, 200);
    ExpectProblem(UploadImage(*client_, item_id_, seller_, png), 409);
    EXPECT_TRUE(ObjectKeysOfItem(item_id_).empty());
}

TEST_F(ImagesApi, DeleteRemovesTheRowTheObjectAndPublishes) {
    auto up = UploadImage(*client_, item_id_, seller_, JpegBytes(), "a.jpg", "image/jpeg");
    ASSERT_EQ(up.status, 201) << up.body;
    const auto image = up.Json().as_object();
    const std::string id(image.at("id").as_string());
    const std::string key = "items/" + item_id_ + "/" + id + ".jpg";
    ASSERT_TRUE(TestS3().HeadObject(key).has_value());
    const std::string path = ImagesPath(item_id_) + "/" + id;

    ExpectProblem(client_->Delete(path, ""), 401);
    ExpectProblem(client_->Delete(path, UniqueUser("other")), 403);
    ExpectProblem(client_->Delete(ImagesPath(item_id_) + "/0190b6a0-0000-7000-8000-000000000000", seller_), 404);
    ExpectProblem(client_->Delete(ImagesPath(item_id_) + "/not-a-uuid", seller_), 404);
    // The image exists, but not under that item.
    const auto other_item = CreateItem(seller_);
    ExpectProblem(client_->Delete(ImagesPath(other_item) + "/" + id, seller_), 404);
    ExpectProblem(client_->Delete(ImagesPath("0190b6a0-0000-7000-8000-000000000000") + "/" + id, seller_), 404);
    EXPECT_TRUE(TestS3().HeadObject(key).has_value());

    const auto trace = ids::NewUuidV4();
    auto res = client_->Request("DELETE", path, "", {{"X-User-ID", seller_}, {"X-Trace-Id", trace}});
    EXPECT_EQ(res.status, 204) << res.body;
    EXPECT_TRUE(res.body.empty());
    EXPECT_FALSE(TestS3().HeadObject(key).has_value()) << "the object is still in the bucket";
    EXPECT_TRUE(ListImages(item_id_).empty());
    ExpectProblem(client_->Delete(path, seller_), 404);

    auto d = NextEventOf(item_id_, "item.image.deleted.v1");
    ASSERT_TRUE(d.has_value()) << "no item.image.deleted.v1";
    const auto body = Body(*d);
    EXPECT_EQ(body.at("event").as_string(), "item.image.deleted");
    EXPECT_EQ(body.at("traceId").as_string(), trace);
    const auto payload = body.at("payload").as_object();
    EXPECT_EQ(payload.size(), 4U) << d->body;
    EXPECT_EQ(payload.at("id").as_string(), id);
    EXPECT_EQ(payload.at("itemId").as_string(), item_id_);
    EXPECT_EQ(payload.at("imageUrl"), image.at("imageUrl"));
    EXPECT_EQ(payload.at("deletedAt"), body.at("timestamp"));
}

TEST_F(ImagesApi, DeleteNeedsAnActiveItem) {
    auto up = UploadImage(*client_, item_id_, seller_, PngBytes());
    ASSERT_EQ(up.status, 201) << up.body;
    ASSERT_EQ(client_->PutJson("/api/v1/items/" + item_id_, {{"status", "cancelled"}}, seller_).status, 200);
    ExpectProblem(client_->Delete(ImagesPath(item_id_) + "/" + std::string(up.Json().at("id").as_string()), seller_),
                  409);
    EXPECT_EQ(ImageRowCount(item_id_), 1);
}

TEST_F(ImagesApi, ListOfAnUnknownItemIs404) {
    ExpectProblem(client_->Get(ImagesPath("0190b6a0-0000-7000-8000-000000000000")), 404);
    ExpectProblem(client_->Get(ImagesPath("nope")), 404);
    auto res = client_->Get(ImagesPath(item_id_));
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.Json(), json::parse(R"({"images":[]})"));
}

TEST_F(ImagesApi, AFailedDatabaseSaveLeavesNoObjectBehind) {
    // A test-only trigger makes the insert fail for this item alone (the item id is ours, not request data).
    const auto suffix = item_id_.substr(0, 8);
    const std::string function = "test_refuse_images_" + suffix;
    ExecSql("CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.item_id = '" +
            item_id_ +
            "'::uuid THEN RAISE EXCEPTION 'test: image insert refused'; END IF; RETURN NEW; END $$; "
            "CREATE TRIGGER " +
            function + " BEFORE INSERT ON item_images FOR EACH ROW EXECUTE FUNCTION " + function + "()");
    auto res = UploadImage(*client_, item_id_, seller_, PngBytes());
    ExecSql("DROP TRIGGER " + function + " ON item_images; DROP FUNCTION " + function + "()");
    ExpectProblem(res, 500);
    EXPECT_EQ(res.body.find("refused"), std::string::npos) << "internals leaked: " << res.body;
    EXPECT_TRUE(ObjectKeysOfItem(item_id_).empty()) << "the object of the rolled-back row is still stored";
    EXPECT_EQ(ImageRowCount(item_id_), 0);
    ExpectNoEarlierEvent(item_id_);
}

TEST_F(ImagesApi, StorageDownIs500WithNoRowAndNoEvent) {
    {
        S3Outage outage;
        auto res = UploadImage(*client_, item_id_, seller_, PngBytes());
        ExpectProblem(res, 500);
        EXPECT_EQ(res.Json().at("detail").as_string(), "storage failure");
    }
    EXPECT_EQ(ImageRowCount(item_id_), 0);
    ExpectNoEarlierEvent(item_id_);
    EXPECT_EQ(ObjectKeysOfItem(item_id_).size(), 1U);  // the marker's
}

TEST_F(ImagesApi, DeleteWhileStorageIsDownStillRemovesTheImage) {
    auto up = UploadImage(*client_, item_id_, seller_, PngBytes());
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id(up.Json().at("id").as_string());
    {
        S3Outage outage;
        EXPECT_EQ(client_->Delete(ImagesPath(item_id_) + "/" + id, seller_).status, 204);
    }
    EXPECT_EQ(ImageRowCount(item_id_), 0);
    EXPECT_TRUE(NextEventOf(item_id_, "item.image.deleted.v1").has_value());
    // The row, and so the image, is gone at once; the object follows once S3 is back (the deletion queue retries it).
    const std::string key = "items/" + item_id_ + "/" + id + ".png";
    EXPECT_TRUE(Eventually([&] { return !TestS3().HeadObject(key).has_value(); }, std::chrono::seconds(90)))
        << "the object stayed behind";
}

TEST(ImagesS3, RequestsAreSignedAndAWrongSecretIsRefused) {
    auto config = TestApiConfig().aws;
    aws::S3Client good(config, aws::S3Options{.threads = 1});
    const std::string key = "items/s3-client-test/" + ids::NewUuidV4() + ".png";
    const auto bytes = PngBytes(1000);
    good.PutObject(key, bytes, "image/png");
    ASSERT_TRUE(good.HeadObject(key).has_value());
    EXPECT_EQ(good.HeadObject(key)->size, 1000);

    config.secret_key += "-wrong";
    aws::S3Client bad(config, aws::S3Options{.threads = 1});
    try {
        bad.PutObject(key + ".bad", bytes, "image/png");
        ADD_FAILURE() << "a request signed with the wrong secret was accepted";
    } catch (const aws::S3Error& e) {
        EXPECT_EQ(e.status(), 403) << e.what();
    }
    good.DeleteObject(key);
    EXPECT_FALSE(good.HeadObject(key).has_value());
    good.DeleteObject(key);  // deleting a missing object succeeds, as on S3
    good.CreateBucket();     // idempotent
}

}  // namespace
}  // namespace auction::testing
