/* netback_strategies.c - the vif strategies: one table (`gntfuzz-peer --list vif-strategies`
 * prints its names; scripts ask it). Each row says what the netback does instead of the honest
 * thing; the rings and the maps are netback_ring.c's and netback.c's. */
#include <string.h>
#include "netback.h"

#define NB_STRATEGY_TABLE(X) \
	X("honest", .about = "grant copy both ways, every response true, nothing mapped after it") \
	X("forged-done", .tx_hold = NB_HOLD_TIMED, \
	  .about = "tx data mapped read-only and answered while still mapped; unmapped 400 ms later") \
	X("rx-hold", .rx_hold = NB_HOLD_TIMED, \
	  .about = "rx buffers mapped read-write instead of copied into, completed, kept mapped 400 ms") \
	X("hold-closed", .tx_hold = NB_HOLD_END, .rx_hold = NB_HOLD_END, .close = NB_CLOSE_ONCE, \
	  .about = "tx and rx maps kept to the end, across a Closed and the reconnect that follows") \
	X("dup-id", .tx_hold = NB_HOLD_TIMED, .rx_hold = NB_HOLD_TIMED, .ids = NB_IDS_DUP, \
	  .about = "every 8th response repeats the id answered just before (its own request stays open)") \
	X("stale-id", .tx_hold = NB_HOLD_TIMED, .rx_hold = NB_HOLD_TIMED, .ids = NB_IDS_STALE, \
	  .about = "every 8th response names an id completed long ago") \
	X("bad-id", .tx_hold = NB_HOLD_TIMED, .rx_hold = NB_HOLD_TIMED, .ids = NB_IDS_BAD, \
	  .about = "every 8th response names an id never issued") \
	X("bad-status", .tx_hold = NB_HOLD_TIMED, .rx_hold = NB_HOLD_TIMED, .lie = NB_LIE_STATUS, \
	  .about = "every 3rd response has a status no netback may give (rx size 0 or -7, tx NETIF_RSP_NULL)") \
	X("bad-length", .rx_hold = NB_HOLD_TIMED, .lie = NB_LIE_LENGTH, \
	  .about = "every 3rd rx response: size beyond the page, offset beyond it, offset+size past it, more_data") \
	X("tx-write", .tx_hold = NB_HOLD_TIMED, .tx_write = 1, \
	  .about = "tx data mapped read-write where the grant allows it (netfronts share tx read-only), 16 bytes written beside the frame, kept 400 ms") \
	X("rsp-flood", .tx_hold = NB_HOLD_TIMED, .rsp_flood = 1, \
	  .about = "after 8 honest responses the response index runs a ring ahead of the requests") \
	X("race-end", .race = 1, \
	  .about = "tx copied and answered, then its grant mapped and unmapped over and over for 40 ms while the frontend ends it") \
	X("spec-map", .speculate = 1, \
	  .about = "honest service, plus 3 ms maps of refs 8..55 before anyone names them (a grant published flags first)") \
	X("evt-flood", .tx_hold = NB_HOLD_TIMED, .rx_hold = NB_HOLD_TIMED, .evt_flood = 1, \
	  .about = "200 events after every batch, maps kept 400 ms") \
	X("early-closed", .tx_hold = NB_HOLD_END, .rx_hold = NB_HOLD_END, .no_answer = 1, .close = NB_CLOSE_EARLY, \
	  .about = "tx and rx requests mapped and never answered, then Closed with every map held") \
	X("reconnect-loop", .tx_hold = NB_HOLD_END, .rx_hold = NB_HOLD_END, .close = NB_CLOSE_LOOP, \
	  .about = "Closing/Closed/InitWait/Connected every 300 ms, the data maps kept across all of it") \
	X("every-status", .tx_hold = NB_HOLD_TIMED, .rx_hold = NB_HOLD_TIMED, .lie = NB_LIE_EVERY, \
	  .about = "every response takes the next status of a cycle: tx OKAY, ERROR, DROPPED, NULL, -3, 2, 32767, -32768; " \
		   "rx the true size (2 in 8), ERROR, DROPPED, 0, 1, -3, -32768; rx buffers mapped read-write and written, " \
		   "tx data read-only, all kept 400 ms") \
	X("stale-map", .stale = 1, \
	  .about = "honest service; every other answered tx and rx grant raced as race-end does; every one mapped again " \
		   "(rw, else ro) once the frontend consumed the answer: held for the oracles, STALE-MAP after a clean end")

#define NB_NAME(name, ...) name,
#define NB_ROW(n, ...) { .name = n, __VA_ARGS__ },

const char *const peer_vif_strategies[] = { NB_STRATEGY_TABLE(NB_NAME) NULL };
static const struct nb_strategy table[] = { NB_STRATEGY_TABLE(NB_ROW) };

const struct nb_strategy *nb_strategy(const char *name)
{
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}
