/*
 * <kstat.h> - the illumos kernel statistics interface, as libkstat(3LIB)
 * and kstat(3KSTAT) document it, with the illumos LP64 layout.
 *
 * On illumos a program includes the system's <kstat.h> and links -lkstat.
 * On Linux this header and build/lib/libkstat.so stand in for them and read
 * the simulated world named by CMON_SIM_WORLD. Nothing here is specific to
 * the simulation: a program written against this header is an illumos
 * program.
 *
 * The protocol, as on illumos:
 *   kc = kstat_open();                      snapshot of the chain headers
 *   ksp = kstat_lookup(kc, "zones", -1, NULL);   linear walk, wildcards
 *   kid = kstat_read(kc, ksp, NULL);        fills ksp->ks_data
 *   knp = kstat_data_lookup(ksp, "nsec_user");
 *   kstat_chain_update(kc);                 0, the new chain id, or -1
 *   kstat_close(kc);
 * A kstat_t belongs to its kstat_ctl_t; after kstat_chain_update() returns a
 * new chain id, kstat_t pointers for removed kstats are gone.
 */
#ifndef CMON_KSTAT_H
#define CMON_KSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* illumos base types that glibc does not have (<sys/types.h> on illumos). */
#ifndef CMON_ILLUMOS_TYPES
#define CMON_ILLUMOS_TYPES
typedef unsigned char uchar_t;
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef long long longlong_t;
typedef unsigned long long u_longlong_t;
#endif
typedef longlong_t hrtime_t; /* nanoseconds, monotonic */

typedef int kid_t; /* unique kstat id */

#define KSTAT_STRLEN 31 /* 30 chars + NUL; must not change */

/* ks_type */
#define KSTAT_TYPE_RAW 0   /* can be anything; ks_ndata >= 1 */
#define KSTAT_TYPE_NAMED 1 /* name/value pairs; ks_ndata = number */
#define KSTAT_TYPE_INTR 2  /* interrupt statistics; ks_ndata == 1 */
#define KSTAT_TYPE_IO 3    /* I/O statistics; ks_ndata == 1 */
#define KSTAT_TYPE_TIMER 4 /* event timer; ks_ndata >= 1 */
#define KSTAT_NUM_TYPES 5

/* ks_flags */
#define KSTAT_FLAG_VIRTUAL 0x01
#define KSTAT_FLAG_VAR_SIZE 0x02
#define KSTAT_FLAG_WRITABLE 0x04
#define KSTAT_FLAG_PERSISTENT 0x08
#define KSTAT_FLAG_DORMANT 0x10
#define KSTAT_FLAG_INVALID 0x20
#define KSTAT_FLAG_LONGSTRINGS 0x40

typedef struct kstat {
    /* Fields relevant to both kernel and user. */
    hrtime_t ks_crtime;             /* creation time (from gethrtime()) */
    struct kstat *ks_next;          /* kstat chain linkage */
    kid_t ks_kid;                   /* unique kstat ID */
    char ks_module[KSTAT_STRLEN];   /* provider module name */
    uchar_t ks_resv;                /* reserved, currently just padding */
    int ks_instance;                /* provider module's instance */
    char ks_name[KSTAT_STRLEN];     /* kstat name */
    uchar_t ks_type;                /* kstat data type */
    char ks_class[KSTAT_STRLEN];    /* kstat class */
    uchar_t ks_flags;               /* kstat flags */
    void *ks_data;                  /* kstat type-specific data */
    uint_t ks_ndata;                /* # of type-specific data records */
    size_t ks_data_size;            /* total size of kstat data section */
    hrtime_t ks_snaptime;           /* time of last data snapshot */
    /* Fields relevant to the kernel only. */
    int (*ks_update)(struct kstat *, int);
    void *ks_private;
    int (*ks_snapshot)(struct kstat *, void *, int);
    void *ks_lock;
} kstat_t;

/* Named statistics: data_type codes. */
#define KSTAT_DATA_CHAR 0
#define KSTAT_DATA_INT32 1
#define KSTAT_DATA_UINT32 2
#define KSTAT_DATA_INT64 3
#define KSTAT_DATA_UINT64 4
#define KSTAT_DATA_LONG KSTAT_DATA_INT64 /* LP64 */
#define KSTAT_DATA_ULONG KSTAT_DATA_UINT64
#define KSTAT_DATA_STRING 9
/* Obsolete codes, kept for source compatibility. */
#define KSTAT_DATA_LONGLONG KSTAT_DATA_INT64
#define KSTAT_DATA_ULONGLONG KSTAT_DATA_UINT64
#define KSTAT_DATA_FLOAT 5
#define KSTAT_DATA_DOUBLE 6

typedef struct kstat_named {
    char name[KSTAT_STRLEN]; /* name of counter */
    uchar_t data_type;       /* data type */
    union {
        char c[16]; /* enough for 128-bit ints */
        int32_t i32;
        uint32_t ui32;
        struct {
            union {
                char *ptr;     /* NUL-terminated string */
                char __pad[8]; /* 64-bit padding */
            } addr;
            uint32_t len; /* # bytes for strlen + '\0' */
        } str;
        int64_t i64;
        uint64_t ui64;
        long l;
        ulong_t ul;
        /* These members are obsolete. */
        longlong_t ll;
        u_longlong_t ull;
        float f;
        double d;
    } value; /* value of counter */
} kstat_named_t;

/*
 * A KSTAT_DATA_STRING value lives outside the kstat_named_t: for a kstat read
 * by kstat_read() it is in the same ks_data buffer, after the named array.
 */
#define KSTAT_NAMED_STR_PTR(knptr) ((knptr)->value.str.addr.ptr)
#define KSTAT_NAMED_STR_BUFLEN(knptr) ((knptr)->value.str.len)

#define KSTAT_NAMED_PTR(kptr) ((kstat_named_t *)(kptr)->ks_data)

/* Interrupt statistics. */
#define KSTAT_INTR_HARD 0
#define KSTAT_INTR_SOFT 1
#define KSTAT_INTR_WATCHDOG 2
#define KSTAT_INTR_SPURIOUS 3
#define KSTAT_INTR_MULTSVC 4
#define KSTAT_NUM_INTRS 5

typedef struct kstat_intr {
    uint_t intrs[KSTAT_NUM_INTRS];
} kstat_intr_t;

#define KSTAT_INTR_PTR(kptr) ((kstat_intr_t *)(kptr)->ks_data)

/* I/O statistics: accumulated times are in nanoseconds. */
typedef struct kstat_io {
    u_longlong_t nread;    /* number of bytes read */
    u_longlong_t nwritten; /* number of bytes written */
    uint_t reads;          /* number of read operations */
    uint_t writes;         /* number of write operations */
    hrtime_t wtime;        /* cumulative wait (pre-service) time */
    hrtime_t wlentime;     /* cumulative wait length*time product */
    hrtime_t wlastupdate;  /* last time wait queue changed */
    hrtime_t rtime;        /* cumulative run (service) time */
    hrtime_t rlentime;     /* cumulative run length*time product */
    hrtime_t rlastupdate;  /* last time run queue changed */
    uint_t wcnt;           /* count of elements in wait state */
    uint_t rcnt;           /* count of elements in run state */
} kstat_io_t;

#define KSTAT_IO_PTR(kptr) ((kstat_io_t *)(kptr)->ks_data)

/* Event timer statistics. */
typedef struct kstat_timer {
    char name[KSTAT_STRLEN]; /* event name */
    uchar_t resv;            /* reserved */
    u_longlong_t num_events; /* number of events */
    hrtime_t elapsed_time;   /* cumulative elapsed time */
    hrtime_t min_time;       /* shortest event duration */
    hrtime_t max_time;       /* longest event duration */
    hrtime_t start_time;     /* previous event start time */
    hrtime_t stop_time;      /* previous event stop time */
} kstat_timer_t;

#define KSTAT_TIMER_PTR(kptr) ((kstat_timer_t *)(kptr)->ks_data)

/* The handle of libkstat(3LIB). */
typedef struct kstat_ctl {
    kid_t kc_chain_id; /* current kstat chain ID */
    kstat_t *kc_chain; /* pointer to kstat chain */
    int kc_kd;         /* /dev/kstat descriptor (here: the world's) */
} kstat_ctl_t;

/*
 * kstat_open() - a handle with a snapshot of every kstat header.
 * Returns NULL with errno set on failure (ENOENT: no world; EINVAL: the
 * file is not a world or has another version; ENOMEM).
 */
kstat_ctl_t *kstat_open(void);

/* kstat_close() - frees the handle and every kstat_t of its chain. 0 or -1. */
int kstat_close(kstat_ctl_t *kc);

/*
 * kstat_read() - copies the kstat's data into ksp->ks_data (allocated and
 * resized by the library) or into buf when buf is not NULL. Returns the
 * current chain id, or -1 with errno: ENXIO the kstat is gone, EAGAIN try
 * again, EIO the read failed, ENOMEM.
 */
kid_t kstat_read(kstat_ctl_t *kc, kstat_t *ksp, void *buf);

/* kstat_write() - not supported for the simulated kernel: -1 with EACCES. */
kid_t kstat_write(kstat_ctl_t *kc, kstat_t *ksp, void *buf);

/*
 * kstat_chain_update() - brings the chain up to date. Returns 0 when it was
 * current, the new chain id when it changed (every header is re-read, and
 * kstat_t pointers of removed kstats are freed), or -1 with errno set.
 */
kid_t kstat_chain_update(kstat_ctl_t *kc);

/*
 * kstat_lookup() - walks the chain for the first kstat that matches. NULL
 * module or name, or instance -1, match anything. Returns NULL with errno
 * ENOENT when none matches.
 */
kstat_t *kstat_lookup(kstat_ctl_t *kc, const char *ks_module, int ks_instance,
                      const char *ks_name);

/*
 * kstat_data_lookup() - the named record (KSTAT_TYPE_NAMED) or timer
 * (KSTAT_TYPE_TIMER) called name in ksp's data. NULL with errno ENOENT when
 * there is no such record, EINVAL for other kstat types.
 */
void *kstat_data_lookup(kstat_t *ksp, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* CMON_KSTAT_H */
