/* fetch.c - HTTP input with libcurl (no hand-written HTTP). */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"

typedef struct fetch_ctx {
    CURL *fc_curl;
    fetch_sink_fn fc_sink;
    void *fc_arg;
    int fc_aborted;
} fetch_ctx_t;

static size_t
fetch_write(char *data, size_t size, size_t nmemb, void *arg)
{
    fetch_ctx_t *fc = arg;
    char *ct = NULL;
    long status = 0;

    curl_easy_getinfo(fc->fc_curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200)
        return size * nmemb; /* the body of an error answer is not checked */
    curl_easy_getinfo(fc->fc_curl, CURLINFO_CONTENT_TYPE, &ct);
    if (fc->fc_sink(ct, data, size * nmemb, fc->fc_arg) != 0) {
        fc->fc_aborted = 1;
        return 0;
    }
    return size * nmemb;
}

static void
fetch_setup(CURL *h, const char *url, struct curl_slist *hdrs, double timeout_s, fetch_ctx_t *fc)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, fc);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "cmon-conform/0.1");
    if (timeout_s > 0) {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_s * 1000));
    }
}

int
fetch_url(const char *url, const char *accept, double timeout_s, fetch_sink_fn sink, void *arg,
          char *err, size_t errlen)
{
    fetch_ctx_t fc = {NULL, sink, arg, 0};
    struct curl_slist *hdrs = NULL;
    char hdr[256];
    CURLcode rc;
    long status = 0;
    int ret = -1;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        (fc.fc_curl = curl_easy_init()) == NULL) {
        snprintf(err, errlen, "cannot initialise libcurl");
        return -1;
    }
    snprintf(hdr, sizeof(hdr), "Accept: %s", accept);
    hdrs = curl_slist_append(NULL, hdr);
    fetch_setup(fc.fc_curl, url, hdrs, timeout_s, &fc);
    rc = curl_easy_perform(fc.fc_curl);
    curl_easy_getinfo(fc.fc_curl, CURLINFO_RESPONSE_CODE, &status);
    if (fc.fc_aborted)
        snprintf(err, errlen, "checking stopped");
    else if (rc != CURLE_OK)
        snprintf(err, errlen, "cannot fetch %s: %s", url, curl_easy_strerror(rc));
    else if (status != 200)
        snprintf(err, errlen, "cannot fetch %s: HTTP status %ld", url, status);
    else
        ret = 0;
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(fc.fc_curl);
    curl_global_cleanup();
    return ret;
}
