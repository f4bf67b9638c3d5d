/* test_dev_watch.c - unit tests of the black-box oracle (peer/dev_watch.c): markers, snapshots,
 * the grace (time AND a drained ring), the exclusion of pages the frontend names again
 * (persistent grants, refs granted afresh), the device's own writes, the end of a run. Both
 * directions: real reuse is reported with its evidence, legitimate traffic never. TAP output. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dev_watch.h"
#include "tap.h"


static struct dev_watch w;
static uint8_t page[4][4096] __attribute__((aligned(4096)));
static char outbuf[1 << 16];
static FILE *out;

static void fresh(void)
{
	clk = 100.0;
	if (out)
		fclose(out);
	memset(outbuf, 0, sizeof(outbuf));
	out = fmemopen(outbuf, sizeof(outbuf), "w");
	dw_init(&w, "vbd", 0.05, fake_now, NULL, out);
	for (int i = 0; i < 4; i++)
		memset(page[i], 0x11 * (i + 1), sizeof(page[i]));
}

static const char *lines(void)
{
	fflush(out);
	return outbuf;
}

int main(void)
{
	/* 1: a snapshot of a read-only map; the frontend writes the page it gave back */
	fresh();
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 7, 0);
	page[0][300] = 0xab;
	clk += 0.01;
	ok(dw_check(&w) == 0, "a change is not reported before its grace");
	clk += 0.1;
	ok(dw_check(&w) == 0, "nor after the grace time while the ring was not drained since the change");
	dw_drained(&w);
	clk += 0.001;
	ok(dw_check(&w) == 1 && w.observations == 1, "reported once the grace passed and the ring was drained");
	regex_t re;
	regcomp(&re, "^peer: REUSED-READ device=vbd ref=8 req=7 page=0 offset=300 held-since-ms=[0-9.]+ "
		     "expected=(1111111111111111){2} saw=111111111111111111111111ab111111 mode=snapshot\n$", REG_EXTENDED);
	ok(regexec(&re, lines(), 0, NULL, 0) == 0, "the line names ref, request, page, offset and the bytes (expected vs saw)");
	regfree(&re);
	ok(dw_check(&w) == 0, "one report per page");

	/* 2: a marker through a read-write map; the frontend's new data overwrites it */
	fresh();
	dw_watch(&w, page[1], 9, 1, DW_MARKER, 3, 1);
	ok(!memcmp(page[1], "GNTFUZZ-MARKER!", 16), "the marker is planted in the page");
	clk += 0.01;
	ok(dw_check(&w) == 0, "an intact marker is not a change");
	memset(page[1] + 1024, 0, 64);
	dw_check(&w);
	clk += 0.1;
	dw_drained(&w);
	clk += 0.001;
	ok(dw_check(&w) == 1 && strstr(lines(), "peer: REUSED-WRITE device=vbd ref=9 req=3 page=1 offset=1024") &&
		   strstr(lines(), "mode=marker"), "an overwritten marker is REUSED-WRITE with its offset");

	/* 3: the frontend names the ref again (persistent grant reused, or a fresh grant) */
	fresh();
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 1, 0);
	dw_watch(&w, page[1], 9, 1, DW_MARKER, 1, 1);
	page[0][10] = 1;
	page[1][10] = 1;
	clk += 0.01;
	dw_check(&w);
	dw_named(&w, 8);
	dw_named(&w, 9);
	clk += 1;
	dw_drained(&w);
	clk += 0.01;
	ok(dw_check(&w) == 0 && dw_finish(&w) == 0 && w.observations == 0, "a change whose ref is named in a new request is legitimate");
	ok(w.excused == 2, "both changes were seen and excused");

	/* 4: persistent grants, 200 rounds of honest reuse: never flagged */
	fresh();
	for (int round = 0; round < 200; round++) {
		for (int k = 0; k < 4; k++)
			dw_watch(&w, page[k], 20 + k, k & 1, k & 1 ? DW_MARKER : DW_SNAPSHOT, round, k);
		clk += 0.003;
		dw_check(&w);
		int k = round % 4; /* the frontend writes its next request's data, then pushes it */
		memset(page[k], round, 4096);
		clk += 0.002;
		dw_check(&w);
		if (round % 3)
			dw_drained(&w); /* the ring looked empty before the request landed */
		clk += 0.03;
		dw_check(&w);
		dw_named(&w, 20 + k);
		dw_drained(&w);
		clk += 0.001;
		dw_check(&w);
	}
	ok(w.observations == 0 && w.excused > 0, "200 rounds of persistent-grant reuse: 0 reports, the changes excused");
	ok(dw_finish(&w) == 0, "and nothing at the end");

	/* 5: the ring drained before the change does not count */
	fresh();
	dw_watch(&w, page[2], 30, 0, DW_SNAPSHOT, 1, 0);
	dw_drained(&w);
	clk += 0.01;
	page[2][0] = 0;
	dw_check(&w);
	clk += 1;
	ok(dw_check(&w) == 0, "no drain after the change: the request may still come");
	dw_drained(&w);
	clk += 0.001;
	ok(dw_check(&w) == 1, "drained after the change and past the grace: reported");

	/* 6: the device's own writes */
	fresh();
	dw_watch(&w, page[3], 31, 1, DW_SNAPSHOT, 1, 0);
	memcpy(page[3] + 64, "device", 6);
	dw_device_wrote(&w, page[3], 64, "device", 6);
	clk += 1;
	dw_drained(&w);
	clk += 0.01;
	ok(dw_check(&w) == 0 && dw_finish(&w) == 0, "what the device wrote itself is not the frontend's reuse");

	/* 7: the end of a run reports a pending change at once, an intact page never */
	fresh();
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 1, 0);
	dw_watch(&w, page[1], 9, 0, DW_SNAPSHOT, 1, 1);
	page[0][5] = 0;
	ok(dw_finish(&w) == 1 && w.observations == 1, "dw_finish: the changed page reported, the intact one not");

	/* 8: unwatched before the change (the device unmapped): nothing */
	fresh();
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 1, 0);
	dw_unwatch(&w, page[0]);
	page[0][5] = 0;
	clk += 1;
	dw_drained(&w);
	ok(dw_check(&w) == 0 && dw_finish(&w) == 0, "a page no longer mapped is not watched");

	/* 9: replanting keeps writing intact markers, and keeps the evidence of a changed one */
	fresh();
	dw_watch(&w, page[0], 8, 1, DW_MARKER, 1, 0);
	dw_watch(&w, page[1], 9, 1, DW_MARKER, 1, 1);
	uint8_t before[16];
	memcpy(before, page[0] + 16, 16);
	clk += 0.01;
	dw_replant(&w);
	ok(memcmp(before, page[0] + 16, 16) != 0 && dw_check(&w) == 0, "an intact marker is written anew, no report");
	memset(page[1] + 2048, 0x77, 8);
	dw_replant(&w);
	clk += 1;
	dw_drained(&w);
	clk += 0.01;
	ok(dw_check(&w) == 1 && strstr(lines(), "ref=9") && strstr(lines(), "offset=2048"),
	   "a changed marker is not overwritten by a replant: reported with its evidence");

	/* 10: re-watching the same address re-arms it (a persistent page after its next request) */
	fresh();
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 1, 0);
	dw_named(&w, 8);
	memset(page[0], 0x42, 4096);
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 2, 0);
	clk += 1;
	dw_drained(&w);
	ok(dw_check(&w) == 0 && dw_finish(&w) == 0, "the new content the request brought is the new expectation");

	/* 11: a change inside its grace is pending (the device holds on to the map), then judged */
	fresh();
	dw_watch(&w, page[0], 8, 0, DW_SNAPSHOT, 1, 0);
	ok(dw_pending(&w, page[0]) == 0, "an intact page is not pending");
	page[0][7] = 0;
	ok(dw_pending(&w, page[0]) == 1, "a fresh change is pending: the map is kept");
	dw_named(&w, 8);
	ok(dw_pending(&w, page[0]) == 0 && w.observations == 0, "named: no longer pending, not reported");
	dw_watch(&w, page[1], 9, 0, DW_SNAPSHOT, 1, 0);
	page[1][7] = 0;
	dw_pending(&w, page[1]);
	clk += 1;
	dw_drained(&w);
	clk += 0.001;
	ok(dw_pending(&w, page[1]) == 0 && w.observations == 1, "past its grace: reported, no longer pending");

	/* 12: a watch of the request's bytes only (a packet in a page that holds other live data) */
	fresh();
	dw_watch_region(&w, page[0], 8, 0, DW_SNAPSHOT, 4, 0, 512, 128);
	page[0][100] = 0x5a;      /* the frontend's other data, outside the packet */
	page[0][3000] = 0x5a;
	clk += 1;
	dw_drained(&w);
	ok(dw_check(&w) == 0 && dw_finish(&w) == 0 && w.observations == 0 && w.exposed == 1 &&
		   strstr(lines(), "peer: EXPOSED device=vbd ref=8 req=4 page=0 region=512+128 offset=100\n"),
	   "a change outside the request's bytes is one EXPOSED line, not reuse");
	fresh();
	dw_watch_region(&w, page[0], 8, 0, DW_SNAPSHOT, 4, 0, 512, 128);
	page[0][639] = 0x5a;      /* the packet's last byte */
	dw_check(&w);
	clk += 1;
	dw_drained(&w);
	clk += 0.001;
	ok(dw_check(&w) == 1 && w.exposed == 0 && strstr(lines(), "REUSED-READ device=vbd ref=8 req=4 page=0 offset=639"),
	   "a change inside the request's bytes is reuse");
	fresh();
	dw_watch_region(&w, page[1], 9, 1, DW_MARKER, 5, 0, 1024, 64);
	ok(!memcmp(page[1] + 1024, "GNTFUZZ-MARKER!", 16) && page[1][1023] == 0x22 && page[1][1088] == 0x22,
	   "a region's marker is planted in the region only");
	page[1][1030] ^= 1;
	dw_check(&w);
	clk += 1;
	dw_drained(&w);
	clk += 0.001;
	ok(dw_check(&w) == 1 && strstr(lines(), "REUSED-WRITE device=vbd ref=9 req=5 page=0 offset=1030"),
	   "an overwritten region marker is REUSED-WRITE");

	/* a page reused, then changed again before the report (a freed ring page taken as a new
	 * ring, then another marker through a second map of it): saw= is what was first seen */
	fresh();
	dw_watch(&w, page[2], 10, 1, DW_MARKER, 1, 300);
	memset(page[2], 0, 64);
	dw_check(&w);
	memset(page[2], 0x5e, 64);
	clk += 1;
	dw_drained(&w);
	clk += 0.001;
	ok(dw_check(&w) == 1 && strstr(lines(), "page=300 offset=0 ") && strstr(lines(), " saw=00000000000000000000000000000000 "),
	   "the evidence is the bytes as the change was first seen");

	fclose(out);
	printf("1..%d\n", n);
	return failures ? 1 : 0;
}
