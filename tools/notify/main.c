/*
 * calltrack-notify: delivers the outbox (docs/ARCHITECTURE.md "The
 * sender"; lib/notify/sender.h).
 *
 *   calltrack-notify          run until SIGTERM (systemd, tools/stack)
 *   calltrack-notify --once   deliver what is due now, then exit
 *
 * Settings from the environment (INSTALL, 4): CALLTRACK_DB names the
 * sender's role, calltrack_notify; CALLTRACK_NOTIFY_* and
 * CALLTRACK_DASHBOARD_URL.  A bad setting stops it before it starts.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "notify/sender.h"

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct ct_config cfg;
	struct sigaction sa;
	char err[200];
	bool once = false;

	if (argc == 2 && strcmp(argv[1], "--once") == 0) {
		once = true;
	} else if (argc != 1) {
		fprintf(stderr, "usage: calltrack-notify [--once]\n");
		return 2;
	}
	ct_log_init("calltrack-notify");
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK) {
		fprintf(stderr, "calltrack-notify: %s\n", err);
		return 2;
	}
	ct_config_set(&cfg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return ct_sender_run(&cfg, &stop, once);
}
