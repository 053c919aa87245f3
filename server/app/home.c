/* home.c: the front page. */
#include "app/app.h"

void h_home(struct request *req)
{
    view_page(req, 200, "home", json_pack("{s:s}", "title", "Welcome"));
}
