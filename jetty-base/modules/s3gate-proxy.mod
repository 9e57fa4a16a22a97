[description]
Puts Jetty's HTTP client and proxy servlet on the server's class path, for the s3gate webapp to
use instead of the copies bundled in the WAR (webapps/s3gate.xml exposes them). One copy of
Jetty's classes in the JVM lets the proxy client recognise the server's thread pool (it shares it,
hands work between threads less and sizes its buffer pool from it) and lets the JIT compile one
HTTP parser instead of two.

[environment]
ee10

[depend]
client
ee10-servlet

[lib]
lib/jetty-ee10-proxy-${jetty.version}.jar
