// The ports are headers only: compiling each here once keeps them self-contained.
#include "ports/bids.hpp"
#include "ports/health.hpp"
#include "ports/messaging.hpp"
#include "ports/outbox.hpp"
#include "ports/repositories.hpp"
