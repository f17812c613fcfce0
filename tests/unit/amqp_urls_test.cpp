// RABBITMQ_URL with one or several broker nodes (pkg/config/amqp_urls.cpp).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "pkg/config/config.hpp"

namespace auction::config {
namespace {

using Urls = std::vector<std::string>;

TEST(ParseAmqpUrls, OneUrlIsKeptAsWritten) {
    EXPECT_EQ(ParseAmqpUrls("amqp://guest:guest@rabbitmq:5672/"), Urls{"amqp://guest:guest@rabbitmq:5672/"});
    EXPECT_EQ(ParseAmqpUrls("amqps://u:p@broker:5671/vhost"), Urls{"amqps://u:p@broker:5671/vhost"});
    EXPECT_EQ(ParseAmqpUrls("amqp://mq"), Urls{"amqp://mq"});
    EXPECT_EQ(ParseAmqpUrls("amqp://u:p%2C1@[::1]:5672/%2F"), Urls{"amqp://u:p%2C1@[::1]:5672/%2F"});
}

TEST(ParseAmqpUrls, SeveralFullUrlsOnePerNode) {
    EXPECT_EQ(ParseAmqpUrls("amqp://a:b@n1:5681/v, amqp://c:d@n2:5682/w,amqps://n3"),
              (Urls{"amqp://a:b@n1:5681/v", "amqp://c:d@n2:5682/w", "amqps://n3"}));
}

TEST(ParseAmqpUrls, BareNodesTakeTheFirstUrlsSchemeCredentialsAndVhost) {
    EXPECT_EQ(ParseAmqpUrls("amqp://guest:guest@127.0.0.1:5681/auction,127.0.0.1:5682, node3"),
              (Urls{"amqp://guest:guest@127.0.0.1:5681/auction", "amqp://guest:guest@127.0.0.1:5682/auction",
                    "amqp://guest:guest@node3/auction"}));
    EXPECT_EQ(ParseAmqpUrls("amqps://u:p@a:5671/,[fe80::1]:5671"),
              (Urls{"amqps://u:p@a:5671/", "amqps://u:p@[fe80::1]:5671/"}));
}

TEST(ParseAmqpUrls, MalformedEntriesNameTheVariableAndTheNodeButNotThePassword) {
    const std::map<std::string, std::string> cases = {
        {"http://x", "node 1 is not an amqp://"},
        {"mq:5672", "node 1 is not an amqp://"},
        {"", "node 1 is empty"},
        {"amqp://secret@n1/,", "node 2 is empty"},
        {"amqp://secret@n1/,,n3", "node 2 is empty"},
        {"amqp://secret@n1/,n2:99999", "node 2 has a port"},
        {"amqp://secret@n1/,n2:", "node 2 has a port"},
        {"amqp://secret@n1/,u:secret@n2", "node 2 is neither"},
        {"amqp://secret@n1/,n2/v", "node 2 is neither"},
        {"amqp://secret@n1/,http://n2", "node 2 is not an amqp://"},
        {"amqp://secret@:5672/", "node 1 has no host"},
        {"amqp://secret@n1:x/", "node 1 has a port"},
        {"amqp://secret@n1/a/b", "node 1 has a vhost containing '/'"},
        {"amqp://secret@n1/v?heartbeat=5", "node 1 has a query"},
        {"amqp://secret%zz@n1/", "node 1 has a malformed %-escape"},
        {"amqp://secret@[::1/", "node 1 has a malformed [IPv6] host"},
    };
    for (const auto& [value, expected] : cases) {
        SCOPED_TRACE(value);
        try {
            ParseAmqpUrls(value);
            ADD_FAILURE() << "accepted";
        } catch (const ConfigError& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find("RABBITMQ_URL"), std::string::npos) << message;
            EXPECT_NE(message.find(expected), std::string::npos) << message;
            EXPECT_EQ(message.find("secret"), std::string::npos) << message;
        }
    }
}

TEST(ParseAmqpUrls, TheConfigsCarryTheNormalisedListAndTheQueueType) {
    std::map<std::string, std::string> values{{"POSTGRES_HOST", "db"},
                                              {"POSTGRES_DATABASE", "auction"},
                                              {"POSTGRES_USERNAME", "pg"},
                                              {"AWS_BUCKET", "b"},
                                              {"RABBITMQ_URL", "amqp://g:g@n1:5681/v,n2:5682"}};
    EXPECT_EQ(LoadApiConfig(Environment::FromMap(values)).rabbitmq_url, "amqp://g:g@n1:5681/v,amqp://g:g@n2:5682/v");
    const auto worker = LoadWorkerConfig(Environment::FromMap(values));
    EXPECT_EQ(worker.rabbitmq_url, "amqp://g:g@n1:5681/v,amqp://g:g@n2:5682/v");
    EXPECT_EQ(worker.rabbitmq_queue_type, "quorum");
    values["RABBITMQ_QUEUE_TYPE"] = "classic";
    EXPECT_EQ(LoadWorkerConfig(Environment::FromMap(values)).rabbitmq_queue_type, "classic");
    values["RABBITMQ_QUEUE_TYPE"] = "stream";
    try {
        LoadWorkerConfig(Environment::FromMap(values));
        ADD_FAILURE() << "stream accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("RABBITMQ_QUEUE_TYPE"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace auction::config
