// SPDX-License-Identifier: MIT
// SshServer: a real OpenSSH sshd for tests — started as the current user on a free localhost
// port with a throw-away host key and one authorized client key, and the client config a
// device needs to reach it (ssh -F). Nothing of the user's own ~/.ssh is read or touched.
#pragma once

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace quantscope::testing {

class SshServer
{
public:
    // Starts sshd; false (with why()) where openssh-server is missing or it would not start.
    bool start()
    {
        if (!QFile::exists(QStringLiteral("/usr/sbin/sshd")))
            return fail(QStringLiteral("/usr/sbin/sshd is missing (scripts/setup installs it)"));
        QDir().mkpath(QStringLiteral("/run/sshd")); // sshd's privilege-separation folder
        for (const char *key : {"host", "client", "stranger"})
            if (!keygen(path(key)))
                return fail(QStringLiteral("ssh-keygen failed"));
        QFile::copy(path("client.pub"), path("authorized_keys"));
        m_port = freePort();
        write(path("sshd_config"),
              QStringLiteral("Port %1\nListenAddress 127.0.0.1\nHostKey %2\nAuthorizedKeysFile %3\n"
                             "PubkeyAuthentication yes\nPasswordAuthentication no\n"
                             "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
                             "UsePAM no\nStrictModes no\nPidFile %4\n")
                  .arg(m_port)
                  .arg(path("host"), path("authorized_keys"), path("sshd.pid")));
        QFile hostKey(path("host.pub"));
        hostKey.open(QIODevice::ReadOnly);
        write(path("known_hosts"), QStringLiteral("[127.0.0.1]:%1 ").arg(m_port) +
                                       QString::fromUtf8(hostKey.readAll()));
        write(path("empty_known_hosts"), {});
        m_sshd.start(QStringLiteral("/usr/sbin/sshd"),
                     {QStringLiteral("-D"), QStringLiteral("-e"), QStringLiteral("-f"),
                      path("sshd_config")});
        if (!m_sshd.waitForStarted(5000))
            return fail(QStringLiteral("sshd did not start"));
        for (int i = 0; i < 50; ++i) { // until it listens
            if (listening(m_port))
                return true;
            QTest::qWait(100);
        }
        return fail(QStringLiteral("sshd is not listening: ") +
                    QString::fromUtf8(m_sshd.readAllStandardError()));
    }

    ~SshServer()
    {
        m_sshd.terminate();
        m_sshd.waitForFinished(3000);
    }

    // A client config for host `qs-test`: the authorized key (or the stranger's), the
    // server's host key known (or none known), the given port (or sshd's).
    QString clientConfig(const QString &name, bool authorizedKey = true, bool knownHost = true,
                         int port = 0) const
    {
        const QString file = path(name.toUtf8().constData());
        write(file, QStringLiteral("Host qs-test\n  HostName 127.0.0.1\n  Port %1\n  User %2\n"
                                   "  IdentityFile %3\n  IdentitiesOnly yes\n"
                                   "  UserKnownHostsFile %4\n  GlobalKnownHostsFile /dev/null\n")
                        .arg(port ? port : m_port)
                        .arg(qEnvironmentVariable("USER", QStringLiteral("root")),
                             path(authorizedKey ? "client" : "stranger"),
                             path(knownHost ? "known_hosts" : "empty_known_hosts")));
        return file;
    }

    const QString &why() const { return m_why; }

    // A localhost port nothing listens on: bound, read back, released.
    static quint16 freePort()
    {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof a;
        bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &size);
        close(fd);
        return ntohs(a.sin_port);
    }

private:
    static bool listening(quint16 port)
    {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
        close(fd);
        return ok;
    }
    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }
    static bool keygen(const QString &file)
    {
        return QProcess::execute(QStringLiteral("ssh-keygen"),
                                 {QStringLiteral("-q"), QStringLiteral("-t"),
                                  QStringLiteral("ed25519"), QStringLiteral("-N"), QString(),
                                  QStringLiteral("-f"), file}) == 0;
    }
    static void write(const QString &file, const QString &text)
    {
        QFile f(file);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(text.toUtf8());
    }
    bool fail(const QString &why)
    {
        m_why = why;
        return false;
    }

    QTemporaryDir m_dir;
    QProcess m_sshd;
    quint16 m_port = 0;
    QString m_why;
};

} // namespace quantscope::testing
