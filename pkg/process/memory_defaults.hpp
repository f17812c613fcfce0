#pragma once

namespace auction::process {

/// The process-wide memory defaults of both programs (docs/PERFORMANCE.md, "Memory: where it goes and what was cut").
/// Call first thing in main, before any thread starts:
/// - GnuTLS is loaded only because libpq's LDAP support (libldap) links it, and its implicit initialisation, in a
///   library constructor that runs before main, costs about 0.8 MiB of resident memory per process for nothing.
///   Unless the environment sets `GNUTLS_NO_IMPLICIT_INIT` (an operator's own setting wins), this sets it to 1 and
///   executes the program again (its path from `/proc/self/exe`, same pid, name and arguments), so that the
///   constructor sees it. libldap calls `gnutls_global_init` itself before it uses TLS, so nothing that uses GnuTLS
///   loses its initialisation. If the exec fails (or the program's file was deleted), it simply goes on as it is.
void ApplyMemoryDefaults(char** argv);

}  // namespace auction::process
