/*
 * srtp.h — libsrtp 3.x API shim over libsrtp 2.x (Spillway build of the
 * mediasoup worker; see scripts/mediasoup/README.md).
 *
 * mediasoup >= 3.15 is written against libsrtp 3 (a versatica fork fetched as
 * a meson wrap). Debian 12 ships libsrtp 2.5, whose packet functions work in
 * place with `int` lengths. This header is found first as <srtp.h>, pulls in
 * the real libsrtp2 header, and adds C++ overloads with the libsrtp 3
 * signatures that mediasoup calls:
 *   srtp_protect / srtp_protect_rtcp   (in, in_len, out, *out_len, mki_index)
 *   srtp_unprotect / srtp_unprotect_rtcp (in, in_len, out, *out_len)
 *   srtp_stream_remove                 (renamed srtp_remove_stream)
 * plus the two 3.x-only error codes mediasoup names.
 *
 * libsrtp 3 semantics kept here: on input *out_len is the capacity of `out`,
 * on success it is the length written. libsrtp 2 may write up to
 * SRTP_MAX_TRAILER_LEN (+4 for SRTCP) bytes past the payload, so we refuse with
 * srtp_err_status_buffer_small when `out` cannot hold that, instead of
 * overflowing. If out != in the input is copied to out first, then libsrtp 2
 * runs in place on out.
 */
#ifndef SPILLWAY_SRTP3_COMPAT_SRTP_H
#define SPILLWAY_SRTP3_COMPAT_SRTP_H

#ifndef __cplusplus
#error "srtp3-compat/srtp.h is a C++ shim (it relies on overloading)"
#endif

#include <srtp2/srtp.h>

#include <arpa/inet.h> /* htonl(): libsrtp 3's header exposes it, 2.x's does not */

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

/* libsrtp 3 error codes that libsrtp 2.5 lacks (values as in libsrtp 3). */
static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

namespace spillway_srtp3_compat
{
	/* Copy `in` to `out` (if distinct), check capacity, return int length. */
	inline srtp_err_status_t prepare(
	  const uint8_t* in, size_t inLen, uint8_t* out, size_t outCap, size_t trailer, int* len)
	{
		if (in == nullptr || out == nullptr || inLen > static_cast<size_t>(INT_MAX) - trailer)
			return srtp_err_status_bad_param;
		if (outCap < inLen + trailer)
			return srtp_err_status_buffer_small;
		if (out != in)
			std::memmove(out, in, inLen);
		*len = static_cast<int>(inLen);
		return srtp_err_status_ok;
	}
} // namespace spillway_srtp3_compat

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index)
{
	int len;
	srtp_err_status_t err = spillway_srtp3_compat::prepare(
	  rtp, rtp_len, srtp, srtp_len ? *srtp_len : 0, SRTP_MAX_TRAILER_LEN, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = mki_index == 0 ? srtp_protect(ctx, static_cast<void*>(srtp), &len)
	                     : srtp_protect_mki(ctx, srtp, &len, 1, static_cast<unsigned int>(mki_index));
	if (err == srtp_err_status_ok)
		*srtp_len = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	int len;
	srtp_err_status_t err =
	  spillway_srtp3_compat::prepare(srtp, srtp_len, rtp, rtp_len ? *rtp_len : 0, 0, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_unprotect(ctx, static_cast<void*>(rtp), &len);
	if (err == srtp_err_status_ok)
		*rtp_len = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index)
{
	int len;
	/* SRTCP adds the 4-byte E-flag/index word on top of tag (+MKI). */
	srtp_err_status_t err = spillway_srtp3_compat::prepare(
	  rtcp, rtcp_len, srtcp, srtcp_len ? *srtcp_len : 0, SRTP_MAX_TRAILER_LEN + 4, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = mki_index == 0
	        ? srtp_protect_rtcp(ctx, static_cast<void*>(srtcp), &len)
	        : srtp_protect_rtcp_mki(ctx, srtcp, &len, 1, static_cast<unsigned int>(mki_index));
	if (err == srtp_err_status_ok)
		*srtcp_len = static_cast<size_t>(len);
	return err;
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	int len;
	srtp_err_status_t err =
	  spillway_srtp3_compat::prepare(srtcp, srtcp_len, rtcp, rtcp_len ? *rtcp_len : 0, 0, &len);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_unprotect_rtcp(ctx, static_cast<void*>(rtcp), &len);
	if (err == srtp_err_status_ok)
		*rtcp_len = static_cast<size_t>(len);
	return err;
}

/* libsrtp 3 renamed srtp_remove_stream; ssrc is in network byte order in both. */
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

#endif /* SPILLWAY_SRTP3_COMPAT_SRTP_H */
