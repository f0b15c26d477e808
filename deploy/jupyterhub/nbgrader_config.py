# nbgrader settings for everyone on the course's hub: copied by setup_course.sh to
# PREFIX/etc/jupyter/nbgrader_config.py, which every user's server reads (the hub
# sets JUPYTER_CONFIG_PATH to PREFIX/etc/jupyter; see jupyterhub_config.py).
#
# Students need only these two settings: which course, and where the exchange is.
# The instructor's course folder (~/course, made by add_users.sh --instructor) has
# its own nbgrader_config.py that adds CourseDirectory.root.
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

PREFIX = os.environ.get("COURSE_HUB_PREFIX", "/srv/why-deep-networks-train")

# The id under which assignments are released, collected and fed back; the same
# as tools/grading.py uses.
c.CourseDirectory.course_id = "why-deep-networks-train"
# The folder through which assignments, submissions and feedback pass. It must
# exist and be writable by everyone (mode 1777): setup_course.sh makes it.
# nbgrader itself keeps submissions private: the inbound folder is write-only for
# students (0733) and feedback files are named by a secret only the student has.
c.Exchange.root = os.path.join(PREFIX, "exchange")
# A student's fetched assignments go to ~/<assignment>/ (not ~/<course>/<assignment>/).
c.Exchange.path_includes_course = False
