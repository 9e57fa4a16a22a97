[description]
Password authentication for the JMX remote connector (JConsole, bin/s3gate-admin --user), with
read-only or read-write access per user. Like jetty-home's jmx-remote-auth, but the two files are
named by properties (absolute paths; default etc/ of this base) instead of paths relative to the
directory the server was started from. Remote users then need readwrite to change limits.

[depend]
jmx-remote

[xml]
etc/s3gate-jmx-auth.xml

[ini-template]
## "<user> <password>" per line; keep the file readable by the gateway's user only.
# s3gate.jmx.passwordFile=/etc/s3gate/jmxremote.password
## "<user> readonly|readwrite" per line.
# s3gate.jmx.accessFile=/etc/s3gate/jmxremote.access
