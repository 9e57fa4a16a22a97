[description]
HTTP settings s3gate needs that jetty-home has no property for. Jetty's header cache matches
common header values case-insensitively and hands back its own spelling (a client's
"Content-Type: text/plain; charset=UTF-8" would reach the backend as "charset=utf-8"), which
breaks SigV4 signatures over Content-Type. Case-sensitive matching keeps every byte.

[depend]
http-config

[xml]
etc/s3gate-http-config.xml
