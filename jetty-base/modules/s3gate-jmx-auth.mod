[description]
Password authentication and s3gate's access guard for the JMX remote connector (JConsole,
bin/s3gate-admin). On by default (start.d/jmx.ini). On the first start, when the password file
does not exist, a random password for user "admin" is generated into it (owner-only, rw-------),
and an access file granting admin "readwrite" (without "create"); existing files are used as they
are (users "user password" per line, access "user readonly|readwrite"). The guard lets clients
change only MBeans of s3gate.jmx.writableDomains (s3gate) and create or unregister none, whatever
the access file says. Like jetty-home's jmx-remote-auth, but the files are named by properties
(absolute paths; default etc/ of this base) instead of paths relative to the start directory.

[depend]
jmx-remote

[lib]
${s3gate.jmx.authJar}

[xml]
etc/s3gate-jmx-auth.xml

[ini]
s3gate.jmx.authJar?=${jetty.base}/../target/s3gate-jmx-auth.jar

[ini-template]
## "<user> <password>" per line; generated on the first start if it does not exist.
# s3gate.jmx.passwordFile=/etc/s3gate/jmxremote.password
## "<user> readonly|readwrite" per line; generated (admin readwrite) if it does not exist.
# s3gate.jmx.accessFile=/etc/s3gate/jmxremote.access
## ObjectName domains whose MBeans JMX clients may change (operations, attributes).
# s3gate.jmx.writableDomains=s3gate
## The jar with the generated credentials and the guard (make build: target/s3gate-jmx-auth.jar).
# s3gate.jmx.authJar=/opt/s3gate/s3gate-jmx-auth.jar
