/*
 * bio_callback_guard.c — Spillway build of the mediasoup worker (see
 * scripts/mediasoup/README.md, "OpenSSL: the kTLS guard").
 *
 * mediasoup's DtlsTransport spies on its outgoing memory BIO with
 * BIO_set_callback_ex(). Its callback returns 1 for every BIO_CB_RETURN phase
 * (it tests `operationType == BIO_CB_RETURN`, but OpenSSL always passes
 * BIO_CB_RETURN or-ed with the operation), so it answers 1 to every BIO_ctrl().
 * mediasoup's own OpenSSL wrap is built without kTLS, where BIO_get_ktls_send()
 * is the constant 0 and libssl never asks. Debian's libssl3 has kTLS compiled in:
 * it asks BIO_ctrl(wbio, BIO_CTRL_GET_KTLS_SEND), gets 1, skips allocating the
 * record write buffer, and the first DTLS record the worker writes goes to
 * address 0 (SIGSEGV in SSL_read()/SSL_do_handshake(), do_dtls1_write()).
 *
 * The worker is linked with -Wl,--wrap=BIO_set_callback_ex. The wrapper keeps
 * the caller's callback in the BIO's ex_data and installs a trampoline that
 * calls it unchanged, except that for the return phase of the kTLS queries it
 * hands back OpenSSL's real answer (0 for a memory BIO). Every other operation
 * keeps mediasoup's behaviour exactly as with its bundled OpenSSL.
 */
#include <openssl/bio.h>
#include <openssl/crypto.h>

void __real_BIO_set_callback_ex(BIO *b, BIO_callback_fn_ex callback);
void __wrap_BIO_set_callback_ex(BIO *b, BIO_callback_fn_ex callback);

static CRYPTO_ONCE spillway_once = CRYPTO_ONCE_STATIC_INIT;
static int spillway_index = -1;

static void spillway_init_index(void)
{
	spillway_index = BIO_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int spillway_is_ktls_query(int cmd)
{
#ifdef BIO_CTRL_GET_KTLS_SEND
	if (cmd == BIO_CTRL_GET_KTLS_SEND)
		return 1;
#endif
#ifdef BIO_CTRL_GET_KTLS_RECV
	if (cmd == BIO_CTRL_GET_KTLS_RECV)
		return 1;
#endif
	(void)cmd;
	return 0;
}

static long spillway_bio_callback_guard(
  BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret, size_t *processed)
{
	/* Function pointer kept as data: fine on the POSIX targets this builds for. */
	BIO_callback_fn_ex inner = (BIO_callback_fn_ex)BIO_get_ex_data(b, spillway_index);
	long result = inner != NULL ? inner(b, oper, argp, len, argi, argl, ret, processed)
	                            : ((oper & BIO_CB_RETURN) != 0 ? (long)ret : 1L);

	/* For BIO_ctrl() the command is passed as argi. */
	if (oper == (BIO_CB_CTRL | BIO_CB_RETURN) && spillway_is_ktls_query(argi))
		return (long)ret;

	return result;
}

void __wrap_BIO_set_callback_ex(BIO *b, BIO_callback_fn_ex callback)
{
	if (b == NULL || callback == NULL || !CRYPTO_THREAD_run_once(&spillway_once, spillway_init_index) ||
	    spillway_index < 0 || !BIO_set_ex_data(b, spillway_index, (void *)callback))
	{
		/* Fall back to the plain call (also clears any trampoline). */
		if (b != NULL && spillway_index >= 0)
			BIO_set_ex_data(b, spillway_index, NULL);
		__real_BIO_set_callback_ex(b, callback);
		return;
	}
	__real_BIO_set_callback_ex(b, spillway_bio_callback_guard);
}
