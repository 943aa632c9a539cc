"""Where the source files of DATA_DIR come from: the manifest and the downloader behind `manage.py fetch_data`."""
