/* peer_main.c - gntfuzz-peer: the malicious backend domain program.
 *
 *   gntfuzz-peer --strategy NAME | --scenario FILE [--target DOMID] [--self DOMID]
 *                [--duration S] [--connect-timeout S] [-v]
 *   gntfuzz-peer --protocol rounds --target DOMID (--strategy NAME --round K [--label L] | --quit)
 *   gntfuzz-peer --device vbd|vif --target DOMID [--self DOMID] [--devid N] [--image FILE]
 *                [--strategy NAME] [--duration S] [--connect-timeout S] [--attach new|existing] [-v]
 *   gntfuzz-peer --list strategies|round-strategies|vbd-strategies|vif-strategies
 *
 * --device: the backend of a standard PV device of an unmodified guest (blkback.c, netback*.c),
 * judged by the black-box oracle (dev_watch.h).
 * Strategies: hold, forged-done, race-end, storm, copy-loop, flood, bad-ids, early-closed
 * (workload protocol, the default); honest, forged-done, forged-ro, storm (--protocol rounds,
 * the PVH and Linux targets' round protocol: peer_rounds.c).
 * Prints one "peer: REUSED-READ|REUSED-WRITE|REUSED-COPY|STALE-MAP ..." line per observation and
 * one closing "peer: verdict ..." line. Exit 0: the target held; 3: memory the target reused was
 * still reachable (caught); 1: setup failed; 2: usage or scenario error. The rounds protocol prints
 * "peer: LEAK ..." lines instead and exits the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peer.h"
#include "blkback.h"
#include "netback.h"

static void usage(void)
{
	fprintf(stderr, "usage: gntfuzz-peer (--strategy NAME | --scenario FILE) [--target DOMID] [--self DOMID]\n"
			"       gntfuzz-peer --device vbd|vif --target DOMID [--self DOMID] [--devid N] [--image FILE]\n"
			"                    [--strategy NAME] [--attach new|existing] [--duration S] [--connect-timeout S] [-v]\n"
			"       gntfuzz-peer --list strategies|round-strategies|vbd-strategies|vif-strategies\n"
			"                    [--duration S] [--connect-timeout S] [-v]\n"
			"       gntfuzz-peer --protocol rounds --target DOMID (--strategy NAME --round K [--label L] | --quit)\n"
			"strategies:");
	for (int i = 0; peer_strategies[i]; i++)
		fprintf(stderr, " %s", peer_strategies[i]);
	fprintf(stderr, "\nrounds strategies:");
	for (int i = 0; peer_round_strategies[i]; i++)
		fprintf(stderr, " %s", peer_round_strategies[i]);
	fprintf(stderr, "\nvbd strategies:");
	for (int i = 0; peer_vbd_strategies[i]; i++)
		fprintf(stderr, " %s", peer_vbd_strategies[i]);
	fprintf(stderr, "\nvif strategies:");
	for (int i = 0; peer_vif_strategies[i]; i++)
		fprintf(stderr, " %s", peer_vif_strategies[i]);
	fputc('\n', stderr);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*s || *end || errno || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct peer p;
	const char *scenario = NULL, *protocol = "workload", *label = "target";
	double connect_timeout = 10;
	unsigned long v, round = 0;
	int quit = 0, have_target = 0, have_duration = 0;
	struct dev_opts dev = { .devid = ~0u, .connect_timeout = 10 };
	p.target = 1;
	p.duration = 3;
	if (argc == 3 && !strcmp(argv[1], "--list")) { /* the tables, for the scripts that drive the peer */
		const char *const *t = !strcmp(argv[2], "strategies") ? peer_strategies
				      : !strcmp(argv[2], "round-strategies") ? peer_round_strategies
				      : !strcmp(argv[2], "vbd-strategies") ? peer_vbd_strategies
				      : !strcmp(argv[2], "vif-strategies") ? peer_vif_strategies : NULL;
		if (!t) {
			fprintf(stderr, "gntfuzz-peer: --list: unknown table '%s' (strategies, round-strategies, "
				"vbd-strategies, vif-strategies)\n", argv[2]);
			return 2;
		}
		for (; *t; t++)
			printf("%s\n", *t);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-v")) {
			p.verbose = 1;
			continue;
		}
		if (!strcmp(a, "--quit")) {
			quit = 1;
			continue;
		}
		if (!val) {
			usage();
			return 2;
		}
		i++;
		if (!strcmp(a, "--strategy"))
			p.strategy = val;
		else if (!strcmp(a, "--scenario"))
			scenario = val;
		else if (!strcmp(a, "--target") && parse_uint(val, DOMID_FIRST_RESERVED - 1, &v) == 0)
			p.target = (uint32_t)v, have_target = 1;
		else if (!strcmp(a, "--self") && parse_uint(val, DOMID_FIRST_RESERVED - 1, &v) == 0)
			p.self = (uint32_t)v;
		else if (!strcmp(a, "--protocol") && (!strcmp(val, "workload") || !strcmp(val, "rounds")))
			protocol = val;
		else if (!strcmp(a, "--round") && parse_uint(val, 1000000, &round) == 0 && round > 0)
			;
		else if (!strcmp(a, "--label") && *val)
			label = val;
		else if (!strcmp(a, "--duration") && (p.duration = atof(val)) > 0)
			have_duration = 1;
		else if (!strcmp(a, "--device") || !strcmp(a, "--devid") || !strcmp(a, "--image") || !strcmp(a, "--attach")) {
			/* the device options: one line for a bad value */
			const char *why = NULL;
			if (!strcmp(a, "--device") && (!strcmp(val, "vbd") || !strcmp(val, "vif")))
				dev.device = val;
			else if (!strcmp(a, "--device"))
				why = "is not vbd or vif";
			else if (!strcmp(a, "--devid") && parse_uint(val, 0xffffffe, &v) == 0)
				dev.devid = (unsigned)v;
			else if (!strcmp(a, "--devid"))
				why = "is not a device number";
			else if (!strcmp(a, "--image") && *val)
				dev.image = val;
			else if (!strcmp(a, "--image"))
				why = "is not a file name";
			else if (!strcmp(val, "new") || !strcmp(val, "existing"))
				dev.attach_existing = !strcmp(val, "existing");
			else
				why = "is not new or existing";
			if (why) {
				fprintf(stderr, "gntfuzz-peer: %s: '%s' %s\n", a, val, why);
				return 2;
			}
		}
		else if (!strcmp(a, "--connect-timeout") && (connect_timeout = atof(val)) > 0)
			;
		else {
			usage();
			return 2;
		}
	}
	int rounds = !strcmp(protocol, "rounds");
	if (dev.device) {
		/* a standard PV device: its own strategy table, honest by default */
		const char *const *t = !strcmp(dev.device, "vbd") ? peer_vbd_strategies : peer_vif_strategies;
		int known = !p.strategy;
		for (int i = 0; p.strategy && t[i]; i++)
			known |= !strcmp(t[i], p.strategy);
		const char *why = scenario ? "--scenario is for the workload protocol"
				: rounds || quit || round || strcmp(label, "target") ? "--protocol, --round, --label and --quit are not for --device"
				: !known ? "unknown strategy for this device (--list vbd-strategies|vif-strategies)" : NULL;
		if (why) {
			fprintf(stderr, "gntfuzz-peer: --device %s: %s%s%s\n", dev.device, why, known ? "" : ": ",
				known ? "" : p.strategy);
			return 2;
		}
	} else if (dev.image || dev.attach_existing || dev.devid != ~0u) {
		fprintf(stderr, "gntfuzz-peer: --devid, --image and --attach need --device vbd|vif\n");
		return 2;
	} else if (rounds) {
		/* the round protocol names its target and round explicitly: no defaults to guess */
		const char *why = !have_target ? "--target DOMID is required"
				: scenario ? "--scenario is for the workload protocol"
				: quit ? (p.strategy || round ? "--quit takes no --strategy or --round" : NULL)
				: !p.strategy ? "--strategy NAME or --quit is required"
				: !peer_round_strategy_known(p.strategy) ? "unknown rounds strategy"
				: !round ? "--round K (K >= 1) is required" : NULL;
		if (why) {
			fprintf(stderr, "gntfuzz-peer: --protocol rounds: %s%s%s\n", why,
				p.strategy && !quit && !peer_round_strategy_known(p.strategy) ? ": " : "",
				p.strategy && !quit && !peer_round_strategy_known(p.strategy) ? p.strategy : "");
			return 2;
		}
	} else if (quit || round || strcmp(label, "target")) {
		fprintf(stderr, "gntfuzz-peer: --quit, --round and --label need --protocol rounds\n");
		return 2;
	} else if (!!p.strategy == !!scenario || (p.strategy && !peer_strategy_known(p.strategy))) {
		usage();
		return 2;
	}
	if (scenario && peer_check_scenario(scenario) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	p.xgt = xengnttab_open(NULL, 0);
	p.xce = p.xgt ? xenevtchn_open(NULL, 0) : NULL;
	p.xsh = p.xce ? xs_open(0) : NULL;
	if (!p.xgt || !p.xce || !p.xsh) {
		fprintf(stderr, "peer: cannot open %s: %s\n", !p.xgt ? "libxengnttab" : !p.xce ? "libxenevtchn" : "xenstore",
			strerror(errno));
		return 1;
	}
	if (rounds) {
		int rrc = quit ? peer_rounds_quit(&p) : peer_run_rounds(&p, (unsigned)round, label);
		peer_unmap_all(&p);
		xengnttab_close(p.xgt);
		xenevtchn_close(p.xce);
		xs_close(p.xsh);
		return rrc;
	}
	if (dev.device) {
		dev.strategy = p.strategy ? p.strategy : "honest";
		p.strategy = dev.strategy;
		dev.duration = have_duration ? p.duration : 3;
		dev.connect_timeout = connect_timeout;
		if (dev.devid == ~0u)
			dev.devid = !strcmp(dev.device, "vbd") ? 51712 : 0; /* xvda, eth0 */
		p.xc = xc_interface_open(NULL, NULL, 0); /* optional: pause/unpause */
		int drc = !strcmp(dev.device, "vbd") ? peer_run_vbd(&p, &dev) : peer_run_vif(&p, &dev);
		if (p.xc)
			xc_interface_close(p.xc);
		xengnttab_close(p.xgt);
		xenevtchn_close(p.xce);
		xs_close(p.xsh);
		return drc;
	}
	p.xc = xc_interface_open(NULL, NULL, 0); /* optional: only race-end pauses the target */
	p.start = peer_now();
	if (peer_connect(&p, connect_timeout) < 0)
		return 1;
	p.start = peer_now();
	int rc = scenario ? peer_run_scenario(&p, scenario) : peer_run_strategy(&p);
	if (rc < 0)
		return 2; /* the grammar was checked first: only a step that could not run ends here */
	peer_check_maps(&p);
	peer_unmap_all(&p);
	printf("peer: verdict %s=%s target=%u observations=%llu maps=%llu map_failures=%llu responses=%llu "
	       "events=%llu copies=%llu requests=%u result=%s\n",
	       scenario ? "scenario" : "strategy", scenario ? scenario : p.strategy, p.target,
	       (unsigned long long)p.observations, (unsigned long long)p.maps_ok, (unsigned long long)p.maps_failed,
	       (unsigned long long)p.responses, (unsigned long long)p.events_sent, (unsigned long long)p.copies,
	       p.nreqs, p.observations ? "caught" : "held");
	if (p.ring_page)
		xengnttab_unmap(p.xgt, p.ring_page, 1);
	xengnttab_close(p.xgt);
	xenevtchn_close(p.xce);
	xs_close(p.xsh);
	if (p.xc)
		xc_interface_close(p.xc);
	if (rc < 0)
		return 2;
	return p.observations ? 3 : 0;
}
