#ifndef WARDWATCH_CAPABILITIES_H
#define WARDWATCH_CAPABILITIES_H

/// Clears every Linux capability of the calling process (ambient, inheritable, permitted, effective) once the
/// capture socket is open. Returns 0, or -1 with errno set. prctl(2) is variadic, hence this C shim.
int ward_drop_all_capabilities(void);

#endif
