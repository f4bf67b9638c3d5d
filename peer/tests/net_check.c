/* net_check.c - the netback's checks on a frontend's tx slots (peer/netback_check.c), alone:
 * frames an honest netfront sends pass, every lie about sizes and offsets is refused.
 * TAP lines; exit 1 if any check failed. */
#include <stdio.h>
#include "netback.h"

static int failed;

static void want(int ok, const char *what)
{
	printf("%s - netback tx check: %s\n", ok ? "ok" : "not ok", what);
	failed += !ok;
}

static netif_tx_request_t s(uint16_t off, uint16_t size)
{
	return (netif_tx_request_t){ .gref = 9, .offset = off, .size = size };
}

int main(void)
{
	unsigned total = 0;
	netif_tx_request_t a[NB_MAX_SLOTS + 1];
	a[0] = s(0, 60);
	want(nb_tx_frame_check(a, 1, &total) == 0 && total == 60, "one slot of 60 bytes at offset 0 passes");
	a[0] = s(4036, 60);
	want(nb_tx_frame_check(a, 1, &total) == 0, "one slot ending exactly at the page's end passes");
	a[0] = s(4037, 60);
	want(nb_tx_frame_check(a, 1, &total) == -1, "one slot one byte past the page is refused");
	a[0] = s(4096, 60);
	want(nb_tx_frame_check(a, 1, &total) == -1, "an offset beyond the page is refused");
	a[0] = s(0, 10);
	want(nb_tx_frame_check(a, 1, &total) == -1, "a frame shorter than an Ethernet header is refused");
	a[0] = s(100, 1000), a[1] = s(24, 400);
	want(nb_tx_frame_check(a, 2, &total) == 0 && total == 1000, "two slots (600 + 400 of 1000) pass");
	a[1] = s(24, 1000);
	want(nb_tx_frame_check(a, 2, &total) == -1, "a second slot as large as the whole frame is refused");
	a[1] = s(3900, 400);
	want(nb_tx_frame_check(a, 2, &total) == -1, "a second slot past its page is refused");
	a[0] = s(0, 5000), a[1] = s(0, 100);
	want(nb_tx_frame_check(a, 2, &total) == -1, "a first slot whose own data is beyond its page is refused");
	a[0] = s(0, 65535);
	for (unsigned k = 1; k < NB_MAX_SLOTS; k++)
		a[k] = s(0, 4000);
	want(nb_tx_frame_check(a, NB_MAX_SLOTS, &total) == -1, "slot sizes adding up past the frame are refused");
	a[0] = s(0, 60000);
	for (unsigned k = 1; k < NB_MAX_SLOTS; k++)
		a[k] = s(0, 3500);
	want(nb_tx_frame_check(a, NB_MAX_SLOTS, &total) == 0 && total == 60000, "18 slots of a 60000-byte frame pass");
	want(nb_tx_frame_check(a, NB_MAX_SLOTS + 1, &total) == -1, "more slots than a netback takes are refused");
	want(nb_tx_frame_check(a, 0, &total) == -1 && nb_tx_frame_check(NULL, 1, &total) == -1, "no slot is refused");
	return failed ? 1 : 0;
}
