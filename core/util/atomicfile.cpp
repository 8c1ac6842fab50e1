#include "util/atomicfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "graph/error.h"

namespace qs {

void writeFileAtomic(const std::string& path, const std::string& bytes)
{
    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw InputError(path + ": the directory " + dir.string() + " does not exist");
    std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    if (fd < 0) throw InputError(path + ": cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            ::unlink(name.data());
            throw InputError(path + ": write failed: " + std::strerror(err));
        }
        done += size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(name.data());
        throw InputError(path + ": cannot flush the file to disk: " + std::strerror(errno));
    }
    ::chmod(name.data(), 0644);
    if (::rename(name.data(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(name.data());
        throw InputError(path + ": cannot move the finished file into place: " + std::strerror(err));
    }
}

void refuseOverwrite(const std::string& input, const std::string& output)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(output, ec) && fs::equivalent(input, output, ec))
        throw InputError(output + ": refusing to overwrite the input model; choose another output path");
}

}  // namespace qs
