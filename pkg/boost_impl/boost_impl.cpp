// The one translation unit that compiles Asio, Beast, Boost.JSON and Boost.URL (Debian ships no
// compiled Boost.JSON/URL libraries, and separate compilation keeps 2-core builds fast).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
