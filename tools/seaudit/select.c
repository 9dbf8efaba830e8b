/*
 * select.c - from a mode switch and the field options to one sa_filter.
 *
 * Each record mode is an event set plus up to three positional masks,
 * each bound to one field (table below); a missing trailing mask selects
 * every value.  Field options (-user, -class, ...) and -status add
 * conditions that must also hold, so they narrow any mode.
 *
 * "Connected TCP records" (the documents' term) are defined by this
 * product as inbound and outbound records that carry a `port` field.
 * They are left out of every mode unless -c is given, which is what the
 * documents say for -a and -i; outbound (-o) follows the same rule so
 * that -a and -o agree.
 */
#include <err.h>

#include <seaudit/error.h>
#include <seaudit/filter.h>

#include "view.h"

#define LOGIN_FAMILY                                                           \
	(SA_EVBIT(SA_EV_LOGIN) | SA_EVBIT(SA_EV_LOGOUT) |                      \
	 SA_EVBIT(SA_EV_ACCOUNT_ENABLED) | SA_EVBIT(SA_EV_ACCOUNT_DISABLED) |  \
	 SA_EVBIT(SA_EV_PASSWORD_ATTEMPT))
#define NETWORK (SA_EVBIT(SA_EV_INBOUND) | SA_EVBIT(SA_EV_OUTBOUND))

struct mode_def {
	enum view_mode mode;
	uint32_t events;
	enum sa_field operand[3]; /* field of each positional mask */
};

static const struct mode_def mode_defs[] = {
    {MODE_ALL, SA_EVBITS_ALL & ~SA_EVBIT(SA_EV_TRACE), {0, 0, 0}},
    {MODE_VERIFY, SA_EVBITS_ALL, {0, 0, 0}},
    {MODE_LOGIN, LOGIN_FAMILY, {SA_F_USER, SA_F_TERMINAL, 0}},
    {MODE_INET, SA_EVBIT(SA_EV_INBOUND), {SA_F_HOST, SA_F_SERVICE, 0}},
    {MODE_RES,
     SA_EVBIT(SA_EV_RESOURCE),
     {SA_F_CLASS, SA_F_RESOURCE, SA_F_USER}},
    {MODE_OUTBOUND,
     SA_EVBIT(SA_EV_OUTBOUND),
     {SA_F_HOST, SA_F_SERVICE, SA_F_USER}},
    {MODE_TRACE, SA_EVBIT(SA_EV_TRACE), {SA_F_USER, 0, 0}},
    {MODE_ADMIN, SA_EVBIT(SA_EV_ADMIN), {SA_F_CLASS, SA_F_RESOURCE, SA_F_USER}},
    {MODE_UNTRUST, SA_EVBIT(SA_EV_UNTRUST), {SA_F_CLASS, SA_F_RESOURCE, 0}},
    {MODE_DAEMON,
     SA_EVBIT(SA_EV_STARTUP) | SA_EVBIT(SA_EV_SHUTDOWN),
     {SA_F_SERVICE, 0, 0}},
    {MODE_PASSWORD, SA_EVBIT(SA_EV_PASSWORD_VERIFY), {SA_F_USER, 0, 0}},
};

static void
add_masks(struct sa_filter *f, enum sa_field field, const char *masks,
	  const char *what)
{
	int rc = sa_filter_field(f, field, masks);

	if (rc == SA_EBADMASK)
		usage_error("%s: bad mask list \"%s\" (empty mask)", what,
			    masks);
	if (rc < 0)
		errx(1, "filter: %s", sa_strerror(rc));
}

struct sa_filter *
select_build(const struct view_opts *o)
{
	const struct mode_def *def = NULL;
	struct sa_filter *f;
	int rc;

	for (size_t i = 0; i < sizeof mode_defs / sizeof mode_defs[0]; i++)
		if (mode_defs[i].mode == o->mode)
			def = &mode_defs[i];
	if (def == NULL)
		errx(1, "internal error: no filter for this switch");
	if ((rc = sa_filter_new(&f)) < 0)
		errx(1, "filter: %s", sa_strerror(rc));

	sa_filter_events(f, def->events);
	for (size_t i = 0; i < o->noperands && i < 3; i++)
		add_masks(f, def->operand[i], o->operands[i], o->mode_opt);
	/* -verify checks everything; other modes hide connected TCP. */
	if (!o->connected && o->mode != MODE_VERIFY)
		sa_filter_without(f, NETWORK, SA_F_PORT);

	for (size_t i = 0; i < o->nfields; i++) {
		const struct field_opt *fo = &o->fields[i];
		if (fo->field != SA_F_NONE)
			add_masks(f, fo->field, fo->masks, fo->opt);
		else if (sa_filter_statuses(f, fo->masks) < 0)
			usage_error("%s: \"%s\" is not a list of status"
				    " letters or words (letters: A C D E F I M"
				    " N O P S U W; words: Denied, Warning, ..."
				    " as in seaudit -t)",
				    fo->opt, fo->masks);
	}
	sa_filter_time(f, o->since_us, o->until_us);
	return f;
}
