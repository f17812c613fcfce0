// The ports are headers only: compiling each here once keeps them self-contained.
#include "ports/health.hpp"
#include "ports/outbox.hpp"
#include "ports/repositories.hpp"
