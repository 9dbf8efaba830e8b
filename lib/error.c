/*
 * error.c - messages and names for the library's one error list
 * (include/seaudit/error.h).  Codes below -1000 are the library's own;
 * anything else negative is -errno and goes to strerror(3)'s table.
 */
#include <errno.h>
#include <string.h>

#include <seaudit/error.h>

const char *
sa_strerror(int err)
{
	switch (err) {
#define SA_ERR_MSG(name, val, msg)                                             \
	case val:                                                              \
		return msg;
		SA_ERRNO_MAP(SA_ERR_MSG)
#undef SA_ERR_MSG
	case 0:
		return "success";
	default:
		break;
	}
	if (err < 0 && err > -4096) {
		/* strerrordesc_np is thread-safe and returns static text. */
		const char *s = strerrordesc_np(-err);
		if (s != NULL)
			return s;
	}
	return "unknown error";
}

const char *
sa_errname(int err)
{
	switch (err) {
#define SA_ERR_NAME(name, val, msg)                                            \
	case val:                                                              \
		return "SA_" #name;
		SA_ERRNO_MAP(SA_ERR_NAME)
#undef SA_ERR_NAME
	default:
		break;
	}
	if (err < 0 && err > -4096) {
		const char *s = strerrorname_np(-err);
		if (s != NULL)
			return s;
	}
	return "SA_EUNKNOWN";
}
