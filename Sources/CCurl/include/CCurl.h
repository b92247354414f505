#ifndef CFG_CCURL_H
#define CFG_CCURL_H

/* libcurl, loaded with dlopen the first time cfg needs HTTP (a remote backend or AWS auth), never linked: a local
   render, keygen or check does not pay for loading libcurl and its tree (GnuTLS, Kerberos, LDAP, OpenSSL, …).

   The header gives the types; CCurl.c defines the functions cfg calls, under their libcurl names, as trampolines
   through pointers resolved once from libcurl.so.4. Call cfg_curl_load first: until it has returned 0, no other
   function of this module may be called. */
#include <curl/curl.h>
#include <stddef.h>

/* Loads libcurl.so.4 (a fixed soname: no environment variable chooses the file) and resolves every function cfg
   calls, once per process (thread-safe). Returns 0, or -1 with a one-line reason (dlerror's: the file or the
   missing symbol) in `error`. */
int cfg_curl_load(char *error, size_t size);

/* For tests: the same loading from another soname, into a table that is discarded (the handle is closed again), so
   that a missing library or symbol can be tested without changing which file cfg loads. Returns 0 or -1 as
   cfg_curl_load. */
int cfg_curl_load_from(const char *soname, char *error, size_t size);

/* curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind. */
CURLcode cfg_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode cfg_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode cfg_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode cfg_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
/* Callback setters: a Swift @convention(c) function cannot be passed as a void pointer.
   CURLOPT_READFUNCTION, CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share one signature. */
typedef size_t (*cfg_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
CURLcode cfg_curl_setopt_data_callback(CURL *handle, CURLoption option, cfg_curl_data_callback value);
typedef int (*cfg_curl_seek_callback)(void *context, curl_off_t offset, int origin);
CURLcode cfg_curl_setopt_seek_callback(CURL *handle, CURLoption option, cfg_curl_seek_callback value);
/* curl_multi_setopt is variadic too. */
CURLMcode cfg_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
/* The result of a finished transfer sits in an anonymous union of CURLMsg. */
static inline CURLcode cfg_curl_message_result(const CURLMsg *message) {
    return message->data.result;
}
/* curl_easy_getinfo is variadic. */
CURLcode cfg_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
/* CURLVERSION_NOW is a macro Swift cannot import. */
curl_version_info_data *cfg_curl_version_info(void);
#endif
