// The exception firewall: every exported function runs its body through oml::guard, so that no
// C++ exception (SEAL's, the standard library's, or anything thrown by value) ever unwinds into
// a caller that cannot handle it; a JVM would abort.
#ifndef OML_FIREWALL_H
#define OML_FIREWALL_H

#include <new>
#include <stdexcept>
#include <string>

#include "oml_seal.h"

namespace oml {

// An error we raise on purpose, with the status the caller should see.
class error : public std::runtime_error {
 public:
  error(oml_status code, const std::string &message) : std::runtime_error(message), code_(code) {}
  oml_status code() const noexcept { return code_; }

 private:
  oml_status code_;
};

// Thread-local so that concurrent callers never read each other's messages.
void set_last_error(const char *message) noexcept;

inline oml_status fail(oml_status code, const char *message) noexcept {
  set_last_error(message);
  return code;
}

// Runs body; maps what it throws to a status. SEAL signals refused operands with
// std::invalid_argument, so that becomes OML_E_INCOMPATIBLE unless a caller already classified
// the failure by throwing oml::error.
template <class Body>
oml_status guard(Body &&body) noexcept {
  try {
    body();
    set_last_error("");
    return OML_OK;
  } catch (const error &e) {
    return fail(e.code(), e.what());
  } catch (const std::bad_alloc &) {
    return fail(OML_E_OUT_OF_MEMORY, "out of native memory");
  } catch (const std::invalid_argument &e) {
    std::string m = std::string("SEAL refused the operation: ") + e.what();
    return fail(OML_E_INCOMPATIBLE, m.c_str());
  } catch (const std::exception &e) {
    std::string m = std::string("native error: ") + e.what();
    return fail(OML_E_INTERNAL, m.c_str());
  } catch (...) {
    return fail(OML_E_INTERNAL, "native error: unknown exception");
  }
}

}  // namespace oml

#endif
