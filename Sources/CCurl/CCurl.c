/* libcurl through dlopen: see include/CCurl.h. The functions below are defined with hidden visibility (CFG_HIDDEN),
   so they stay inside cfg's binary and never interpose on libcurl's own calls (it is opened RTLD_LOCAL besides). */
#define CURL_DISABLE_TYPECHECK 1
#include "CCurl.h"

#include <CLazyLibrary.h>
#include <string.h>

/* The soname cfg opens (dev/runtime_packages.py lists it: IntegrationTests/test_install.py checks the two agree). */
#define CFG_CURL_SONAME "libcurl.so.4"

/* Every libcurl function cfg calls: the trampolines below and the typed wrappers of the variadic ones. */
#define CFG_CURL_FUNCTIONS(X)                                                                                          \
    X(curl_global_init)                                                                                                \
    X(curl_version_info)                                                                                               \
    X(curl_easy_init)                                                                                                  \
    X(curl_easy_cleanup)                                                                                               \
    X(curl_easy_reset)                                                                                                 \
    X(curl_easy_setopt)                                                                                                \
    X(curl_easy_getinfo)                                                                                               \
    X(curl_easy_strerror)                                                                                              \
    X(curl_free)                                                                                                       \
    X(curl_multi_init)                                                                                                 \
    X(curl_multi_cleanup)                                                                                              \
    X(curl_multi_setopt)                                                                                               \
    X(curl_multi_add_handle)                                                                                           \
    X(curl_multi_remove_handle)                                                                                        \
    X(curl_multi_perform)                                                                                              \
    X(curl_multi_poll)                                                                                                 \
    X(curl_multi_wakeup)                                                                                               \
    X(curl_multi_info_read)                                                                                            \
    X(curl_multi_strerror)                                                                                             \
    X(curl_slist_append)                                                                                               \
    X(curl_slist_free_all)                                                                                             \
    X(curl_url)                                                                                                        \
    X(curl_url_cleanup)                                                                                                \
    X(curl_url_get)                                                                                                    \
    X(curl_url_set)

CFG_LAZY_LIBRARY(curl, "libcurl", CFG_CURL_SONAME, CFG_CURL_FUNCTIONS)

#define CFG_CALL(name) (cfg_curl_functions()->fn_##name)

CFG_HIDDEN CURLcode curl_global_init(long flags) {
    return CFG_CALL(curl_global_init)(flags);
}
CFG_HIDDEN CURL *curl_easy_init(void) {
    return CFG_CALL(curl_easy_init)();
}
CFG_HIDDEN void curl_easy_cleanup(CURL *handle) {
    CFG_CALL(curl_easy_cleanup)(handle);
}
CFG_HIDDEN void curl_easy_reset(CURL *handle) {
    CFG_CALL(curl_easy_reset)(handle);
}
CFG_HIDDEN const char *curl_easy_strerror(CURLcode code) {
    return CFG_CALL(curl_easy_strerror)(code);
}
CFG_HIDDEN void curl_free(void *pointer) {
    CFG_CALL(curl_free)(pointer);
}
CFG_HIDDEN CURLM *curl_multi_init(void) {
    return CFG_CALL(curl_multi_init)();
}
CFG_HIDDEN CURLMcode curl_multi_cleanup(CURLM *multi) {
    return CFG_CALL(curl_multi_cleanup)(multi);
}
CFG_HIDDEN CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle) {
    return CFG_CALL(curl_multi_add_handle)(multi, handle);
}
CFG_HIDDEN CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle) {
    return CFG_CALL(curl_multi_remove_handle)(multi, handle);
}
CFG_HIDDEN CURLMcode curl_multi_perform(CURLM *multi, int *running) {
    return CFG_CALL(curl_multi_perform)(multi, running);
}
CFG_HIDDEN CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int milliseconds,
                                     int *ready) {
    return CFG_CALL(curl_multi_poll)(multi, extra, count, milliseconds, ready);
}
CFG_HIDDEN CURLMcode curl_multi_wakeup(CURLM *multi) {
    return CFG_CALL(curl_multi_wakeup)(multi);
}
CFG_HIDDEN CURLMsg *curl_multi_info_read(CURLM *multi, int *queued) {
    return CFG_CALL(curl_multi_info_read)(multi, queued);
}
CFG_HIDDEN const char *curl_multi_strerror(CURLMcode code) {
    return CFG_CALL(curl_multi_strerror)(code);
}
CFG_HIDDEN struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string) {
    return CFG_CALL(curl_slist_append)(list, string);
}
CFG_HIDDEN void curl_slist_free_all(struct curl_slist *list) {
    CFG_CALL(curl_slist_free_all)(list);
}
CFG_HIDDEN CURLU *curl_url(void) {
    return CFG_CALL(curl_url)();
}
CFG_HIDDEN void curl_url_cleanup(CURLU *handle) {
    CFG_CALL(curl_url_cleanup)(handle);
}
CFG_HIDDEN CURLUcode curl_url_get(CURLU *handle, CURLUPart what, char **part, unsigned int flags) {
    return CFG_CALL(curl_url_get)(handle, what, part, flags);
}
CFG_HIDDEN CURLUcode curl_url_set(CURLU *handle, CURLUPart what, const char *part, unsigned int flags) {
    return CFG_CALL(curl_url_set)(handle, what, part, flags);
}

CFG_HIDDEN CURLcode cfg_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return CFG_CALL(curl_easy_setopt)(handle, option, value);
}
CFG_HIDDEN CURLcode cfg_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return CFG_CALL(curl_easy_setopt)(handle, option, value);
}
CFG_HIDDEN CURLcode cfg_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return CFG_CALL(curl_easy_setopt)(handle, option, value);
}
CFG_HIDDEN CURLcode cfg_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return CFG_CALL(curl_easy_setopt)(handle, option, value);
}
CFG_HIDDEN CURLcode cfg_curl_setopt_data_callback(CURL *handle, CURLoption option, cfg_curl_data_callback value) {
    return CFG_CALL(curl_easy_setopt)(handle, option, value);
}
CFG_HIDDEN CURLcode cfg_curl_setopt_seek_callback(CURL *handle, CURLoption option, cfg_curl_seek_callback value) {
    return CFG_CALL(curl_easy_setopt)(handle, option, value);
}
CFG_HIDDEN CURLMcode cfg_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return CFG_CALL(curl_multi_setopt)(multi, option, value);
}
CFG_HIDDEN CURLcode cfg_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return CFG_CALL(curl_easy_getinfo)(handle, info, value);
}
CFG_HIDDEN curl_version_info_data *cfg_curl_version_info(void) {
    return CFG_CALL(curl_version_info)(CURLVERSION_NOW);
}
