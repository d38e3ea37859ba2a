include $(sort $(wildcard $(BR2_EXTERNAL_RPOLL_PATH)/package/*/*.mk))
