/* client.h - the client end of the broker protocol, compiled into each drop-in library.
 *
 * Every symbol here is hidden: the drop-ins export exactly Debian's API and nothing else.
 */
#ifndef MP_CLIENT_H
#define MP_CLIENT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "../proto.h"
#include "../spin.h"

#define MP_HIDDEN __attribute__((visibility("hidden")))

struct mp_conn {
	int fd;
	uint16_t dom;
	struct mp_spin spin;     /* how long to poll for a reply before blocking */
	pthread_mutex_t lock;    /* one request in flight per connection */
};

/* Connect to $GNTFUZZ_BROKER as domain $GNTFUZZ_DOMID (default 0). 0, or -1 with errno set. */
MP_HIDDEN int mp_connect(struct mp_conn *c, uint16_t kind);
/* The same; cloexec = 0 leaves the connection open across exec (XENEVTCHN_NO_CLOEXEC). */
MP_HIDDEN int mp_connect_flags(struct mp_conn *c, uint16_t kind, int cloexec);
MP_HIDDEN void mp_disconnect(struct mp_conn *c);
/* One request/reply. Returns the reply status (>= 0), or -1 with errno = -status. The reply
 * payload goes to rep (at most cap bytes, *got set); a passed fd goes to *fd_out (closed if
 * fd_out is NULL). */
MP_HIDDEN int mp_call(struct mp_conn *c, uint16_t op, const void *req, size_t len, void *rep, size_t cap,
		      size_t *got, int *fd_out);
/* mp_call that also passes send_fd to the broker (SCM_RIGHTS) when it is >= 0. */
MP_HIDDEN int mp_call_fd(struct mp_conn *c, uint16_t op, const void *req, size_t len, void *rep, size_t cap,
			 size_t *got, int *fd_out, int send_fd);
/* Request with up to two u32 arguments; *ret gets a u32 reply payload if there is one. */
MP_HIDDEN int mp_call_u32(struct mp_conn *c, uint16_t op, unsigned nargs, uint32_t a0, uint32_t a1,
			  uint32_t *ret);

#endif
