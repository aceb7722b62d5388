/*
 * fcgi-hello: the FastCGI ceiling of `make bench`.  A libfcgi program
 * that does what every calltrack program does around its work (accept,
 * read the whole body, answer a small JSON) and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request req;
	char buf[65536];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			;
		FCGX_PutS("Status: 200 OK\r\n"
		    "Content-Type: application/json\r\n\r\n"
		    "{\"status\":\"ok\"}\n", req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
