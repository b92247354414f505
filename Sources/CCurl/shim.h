#ifndef CFG_CCURL_SHIM_H
#define CFG_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind. */
static inline CURLcode cfg_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cfg_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cfg_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cfg_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
/* Callback setters: a Swift @convention(c) function cannot be passed as a void pointer.
   CURLOPT_READFUNCTION, CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share one signature. */
typedef size_t (*cfg_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode cfg_curl_setopt_data_callback(CURL *handle, CURLoption option, cfg_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
typedef int (*cfg_curl_seek_callback)(void *context, curl_off_t offset, int origin);
static inline CURLcode cfg_curl_setopt_seek_callback(CURL *handle, CURLoption option, cfg_curl_seek_callback value) {
    return curl_easy_setopt(handle, option, value);
}
/* curl_multi_setopt is variadic too. */
static inline CURLMcode cfg_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
/* The result of a finished transfer sits in an anonymous union of CURLMsg. */
static inline CURLcode cfg_curl_message_result(const CURLMsg *message) {
    return message->data.result;
}
static inline CURLcode cfg_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
/* CURLVERSION_NOW is a macro Swift cannot import. */
static inline curl_version_info_data *cfg_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
#endif
