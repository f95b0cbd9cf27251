/*
 * CUnit tests of sshkey.h against OpenSSH itself: each vector's OpenSSH
 * line is what `ssh-keygen -i -m PKCS8` made of the PEM key, and its MD5
 * fingerprint what `ssh-keygen -l -E md5` printed (the Ed25519 key was made
 * by `ssh-keygen -t ed25519`; its raw 32 bytes are its blob's last ones).
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "cunit_main.h"
#include "sshkey.h"

static const char ec_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhMYVi90B6nYxiELSnyrSXuMS4Dq3\n"
    "JU7mPxxNF5lw1JcCOangXYrW1P7sPBtoGqXS51Tzelyje2Le9H44deDJ8Q==\n"
    "-----END PUBLIC KEY-----\n";
static const char ec_ssh[] =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBITGFYvdAep2MYhC"
    "0p8q0l7jEuA6tyVO5j8cTReZcNSXAjmp4F2K1tT+7DwbaBql0udU83pco3ti3vR+OHXgyfE=";
static const char ec_md5[] = "56:4c:d2:d9:2b:cc:1f:80:04:a0:27:5c:74:92:8d:6c";
/* `base64 -d` of the blob | `openssl md5 -binary | base64` */
static const char ec_md5_b64[] = "VkzS2SvMH4AEoCdcdJKNbA==";

static const char rsa_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1twUMDsn4REppzlOS50JHFokt\n"
    "JGsqJSXG+cXMddxHwrBgyqhRMHtKViW56Pndadv6gxDez8MwhPr6QJghnqyTctAS\n"
    "mkP36ijUZX8DBzKMzGoeM6IyKwgpAekW0SB7E1z27ojAA5ineo5lhp7vn4jyiOSi\n"
    "ssa08EyVOmlNUEfoQQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char rsa_ssh[] =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC1twUMDsn4REppzlOS50JHFoktJGsqJSXG+cXMddxHwrBgyqhRMH"
    "tKViW56Pndadv6gxDez8MwhPr6QJghnqyTctASmkP36ijUZX8DBzKMzGoeM6IyKwgpAekW0SB7E1z27ojAA5ineo5l"
    "hp7vn4jyiOSissa08EyVOmlNUEfoQQ==";
static const char rsa_md5[] = "a0:e8:15:f8:51:74:27:e4:2c:52:bd:14:79:c5:2e:ad";

static const unsigned char ed_raw[32] = {
    0xc0, 0x07, 0x68, 0x8b, 0x4b, 0xe2, 0x49, 0x00, 0xad, 0xb6, 0x01, 0x2a, 0x31, 0x94, 0x40, 0xed,
    0xc4, 0x51, 0x29, 0x0a, 0x11, 0x01, 0xda, 0x86, 0xd9, 0x3c, 0xa6, 0xe1, 0x3c, 0x31, 0x36, 0xab};
static const char ed_ssh[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMAHaItL4kkArbYBKjGUQO3EUSkKEQHahtk8puE8MTar";
static const char ed_md5[] = "0a:e9:df:3e:38:ca:5e:d8:13:bf:d7:5c:50:8a:98:53";

static EVP_PKEY *
pem_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return k;
}

static void
check_key(EVP_PKEY *k, const char *ssh, const char *md5)
{
    char fp[SSHKEY_FP_MD5_LEN], *line = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(sshkey_fingerprint_md5(k, fp), 0);
    CU_ASSERT_STRING_EQUAL(fp, md5);
    CU_ASSERT_EQUAL(sshkey_openssh(k, NULL, &line), 0);
    CU_ASSERT_STRING_EQUAL(line, ssh);
    free(line);
    CU_ASSERT_EQUAL(sshkey_openssh(k, "alice", &line), 0);
    CU_ASSERT(strncmp(line, ssh, strlen(ssh)) == 0);
    CU_ASSERT_STRING_EQUAL(line + strlen(ssh), " alice");
    free(line);
}

static void
test_ecdsa(void)
{
    EVP_PKEY *k = pem_key(ec_pem);
    char b64[32];

    check_key(k, ec_ssh, ec_md5);
    CU_ASSERT_EQUAL(sshkey_md5_base64(k, b64), 0);
    CU_ASSERT_STRING_EQUAL(b64, ec_md5_b64);
    EVP_PKEY_free(k);
}

/* Its modulus has the top bit set: the mpint needs its leading zero byte. */
static void
test_rsa(void)
{
    EVP_PKEY *k = pem_key(rsa_pem);
    check_key(k, rsa_ssh, rsa_md5);
    EVP_PKEY_free(k);
}

static void
test_ed25519(void)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, ed_raw, sizeof(ed_raw));
    check_key(k, ed_ssh, ed_md5);
    EVP_PKEY_free(k);
}

/* A key SSH has no name for (X25519), and missing arguments: -1, nothing written. */
static void
test_refused(void)
{
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, ed_raw, sizeof(ed_raw));
    char fp[SSHKEY_FP_MD5_LEN] = "untouched";
    unsigned char *blob = NULL;
    size_t len = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(sshkey_fingerprint_md5(k, fp), -1);
    CU_ASSERT_STRING_EQUAL(fp, "untouched");
    CU_ASSERT_EQUAL(sshkey_blob(k, &blob, &len), -1);
    CU_ASSERT_PTR_NULL(blob);
    CU_ASSERT_EQUAL(sshkey_blob(NULL, &blob, &len), -1);
    CU_ASSERT_EQUAL(sshkey_openssh(NULL, NULL, NULL), -1);
    EVP_PKEY_free(k);
}

int
main(int argc, char **argv)
{
    static CU_TestInfo tests[] = {{"ecdsa p-256", test_ecdsa},
                                  {"rsa", test_rsa},
                                  {"ed25519", test_ed25519},
                                  {"refused", test_refused},
                                  CU_TEST_INFO_NULL};
    return cunit_main(argc, argv, "sshkey", tests);
}
