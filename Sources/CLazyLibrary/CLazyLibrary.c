/* CLazyLibrary is a header (include/CLazyLibrary.h); a C target needs one source file. */
#include "CLazyLibrary.h"
