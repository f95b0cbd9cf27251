/*
 * fetch.h - one HTTP client for every program and test of the project, over
 * libcurl: GET (or POST with a body, or another method) of a URL, over TCP or
 * a unix socket, into a growable buffer or a caller's sink.
 *
 * A request (struct fetch_req) says what to send; a response (struct
 * fetch_resp) receives the status, the body, Content-Type and
 * Content-Encoding, the time taken and, when no answer came, a one-line
 * reason that names the URL ("cannot fetch http://...: Couldn't connect to
 * server"). An HTTP status other than 200 is an answer, not an error: the
 * caller judges it.
 *
 * The body is never cut silently: past rq_max_body bytes the transfer fails
 * with "body larger than N bytes". Asked for an encoding (rq_accept_encoding),
 * curl decodes the body and Content-Encoding still tells what the server sent.
 *
 * A handle (fetch_t) keeps its connections open between requests
 * (keep-alive): a caller making many requests to one server keeps one
 * handle. fetch_many() runs many requests with a bounded number in flight.
 *
 * libcurl's global state is set up by the first handle (curl_easy_init does
 * it); a program that starts threads before its first fetch calls
 * curl_global_init() itself first. A handle is used by one thread at a time.
 */
#ifndef CMON_FETCH_H
#define CMON_FETCH_H

#include <stddef.h>

#define FETCH_BODY_MAX_DEFAULT ((size_t)256 << 20) /* rq_max_body 0 means this */
#define FETCH_ERROR_MAX 512

struct fetch_resp;

/* Called with each chunk of a 200 answer's body when the request has one
 * (rq_sink); resp->rs_status and resp->rs_content_type are already set.
 * Return 0 to go on, non-zero to stop the transfer (fetch fails with
 * "stopped by the caller" and rs_stopped set). */
typedef int (*fetch_sink_fn)(const struct fetch_resp *resp, const char *buf, size_t len, void *arg);

/* How to reach an https:// server (rq_tls): every field optional, the
 * strings and the list are the caller's and must outlive the request. */
struct curl_slist;
struct fetch_tls {
    const char *ft_cert;                 /* client certificate, PEM file; NULL: none presented */
    const char *ft_key;                  /* its private key, PEM file; NULL: in ft_cert */
    const char *ft_cacert;               /* CAs that may sign the server's certificate, PEM file;
                                            NULL: the system's */
    int ft_insecure;                     /* non-zero: the server's certificate is not checked */
    const struct curl_slist *ft_resolve; /* "HOST:PORT:ADDR" lines as curl's CURLOPT_RESOLVE
                                            takes them (a "*" HOST matches every name):
                                            the name stays in the URL, Host and SNI */
};

/* What to send. Zero-initialise, then set what is needed; the strings are
 * the caller's and must live until the request is done. */
struct fetch_req {
    const char *rq_url;    /* http://host:port/path (with a unix socket: the host is only a name) */
    const char *rq_method; /* NULL: GET, or POST when rq_body is set; "HEAD" reads no
                              body; any other is sent as given */
    const char *rq_body;   /* request body (POST), NULL: none */
    size_t rq_body_len;    /* its length */
    const char *const *rq_headers;  /* NULL-terminated "Name: value" lines, NULL: none */
    const char *rq_accept_encoding; /* NULL: none asked, the body as sent; "gzip", or "" for
                                       every encoding curl decodes: the body is decoded */
    const char *rq_unix_socket;     /* connect to this unix socket path, NULL: TCP */
    const char *rq_user_agent;      /* NULL: none sent */
    double rq_timeout_s;            /* the whole request; 0: no limit */
    int rq_timeout_kernel;          /* non-zero: rq_timeout_s is also kept by a kernel timer
                                       (timerfd), which holds when the process's clocks are
                                       frozen or faked (libfaketime, as the scenario engine
                                       runs agents): curl measures its own timeouts with the
                                       process's clock. fetch_perform()/fetch_once() only */
    double rq_connect_timeout_s;    /* connecting; 0: rq_timeout_s, or curl's 300 s */
    size_t rq_max_body;             /* largest body accepted; 0: FETCH_BODY_MAX_DEFAULT */
    int rq_max_redirects;           /* redirects followed, 0: none (a 3xx is the answer) */
    int rq_use_proxy;               /* non-zero: honour http_proxy & co from the environment;
                                       0: connect directly (the targets here are local) */
    const struct fetch_tls *rq_tls; /* https:// client certificate, trusted CAs and name
                                       resolution; NULL: curl's defaults */
    fetch_sink_fn rq_sink;          /* body of a 200 answer to the sink instead of rs_body;
                                       other answers' bodies are kept in rs_body as usual */
    void *rq_sink_arg;
};

/* What came back. Zero-initialise once; each fetch resets it, reusing the
 * buffer. Release the body with fetch_resp_release(). */
struct fetch_resp {
    long rs_status;               /* HTTP status; 0 when no answer came */
    char *rs_body;                /* NUL-terminated body (never NULL after a fetch, "" when
                                     it has none); owned by the response */
    size_t rs_len;                /* body length without the NUL */
    size_t rs_cap;                /* allocated size of rs_body */
    char rs_content_type[128];    /* "" when none */
    char rs_content_encoding[32]; /* as the server sent it, "" when none */
    char *rs_headers;             /* the answer's header lines as sent (CRLF and all),
                                     NUL-terminated, "" when none; owned by the response */
    size_t rs_headers_len;
    size_t rs_headers_cap;
    double rs_ms;                   /* wall-clock time of the request */
    int rs_too_big;                 /* the body passed rq_max_body */
    int rs_stopped;                 /* the sink stopped the transfer */
    char rs_error[FETCH_ERROR_MAX]; /* why no answer came, "" otherwise */
};

typedef struct fetch fetch_t;

/* fetch_new() - a handle whose connections stay open between requests.
 * Returns NULL (errno ENOMEM) when libcurl cannot be set up. */
fetch_t *fetch_new(void);

/* fetch_free() - closes the connections and frees the handle (NULL is fine). */
void fetch_free(fetch_t *f);

/* fetch_perform() - performs req on f, filling resp. Returns 0 when an answer
 * came (any status), -1 when none did, the body was refused or the sink stopped
 * it: rs_status is 0, resp->rs_error says why (the URL and curl's message)
 * and the body received so far stays in rs_body. */
int fetch_perform(fetch_t *f, const struct fetch_req *req, struct fetch_resp *resp);

/* fetch_once() - fetch_perform() on a handle of its own, closed after. */
int fetch_once(const struct fetch_req *req, struct fetch_resp *resp);

/* fetch_tls_setopt() - sets tls (NULL: nothing) on a libcurl easy handle (a
 * CURL *), for a caller that drives libcurl itself, as fetch does for rq_tls. */
void fetch_tls_setopt(void *curl_easy, const struct fetch_tls *tls);

/* fetch_resp_release() - frees the body and the headers; the response can be reused. */
void fetch_resp_release(struct fetch_resp *resp);

/* Called by fetch_many() as request i completes (its response is filled);
 * non-zero stops the run: the requests in flight are abandoned (rs_status 0,
 * rs_error ending in "abandoned") and those not started are left untouched. i is the
 * index in calls. */
typedef int (*fetch_done_fn)(void *arg, size_t i);

/* One request of fetch_many() and its response: a caller keeps them where it
 * likes (inside a struct of its own) and hands fetch_many() pointers. */
struct fetch_call {
    struct fetch_req fc_req;
    struct fetch_resp fc_resp;
};

/*
 * fetch_many() - performs calls[0..n), at most concurrency at a time (0
 * counts as 1), reusing connections between them. Returns 0 when every
 * request was tried (each response says how it went), 1 when done() stopped
 * the run, -1 when curl failed (the responses of the requests in flight and
 * of those not started say so in rs_error).
 */
int fetch_many(struct fetch_call *const *calls, size_t n, size_t concurrency, fetch_done_fn done,
               void *arg);

#endif /* CMON_FETCH_H */
